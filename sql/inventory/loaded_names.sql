-- The names of the dumps whose current version is loaded: what a prune would remove if their
-- files were gone (the CLI refuses a prune that would remove every one of them).
SELECT file_name FROM source_files WHERE status = 'loaded' ORDER BY file_name
