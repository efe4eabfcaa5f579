-- Name and entry count of every dump whose current version is loaded: what a new version of the
-- same name is compared with, to hold back one that lost any of them (etl/shrink.py).
SELECT file_name, entries FROM source_files WHERE status = 'loaded' ORDER BY file_name
