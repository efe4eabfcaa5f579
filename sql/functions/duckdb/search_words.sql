-- The words of a text, for full-text search: lowercased and split on every character that is
-- not a letter or a digit (`GPT-4o's` gives `gpt`, `4o`, `s`), in order. The merge indexes
-- a paper's title and abstract with it, and search_papers splits a query with it, so both
-- sides split alike. Stop words are left out, and plurals folded (search_term), afterwards.
CREATE MACRO search_words(document) AS
    list_filter(regexp_split_to_array(lower(document), '[^\p{L}\p{N}]+'), lambda w: w <> '')
