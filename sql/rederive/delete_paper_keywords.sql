-- The batch's papers lose the keywords the earlier extractor gave them: every paper_keywords row
-- whose paper key lies in the batch's range (after :after, up to :last), which holds exactly the
-- batch's papers.
DELETE FROM paper_keywords WHERE paper_id > :after AND paper_id <= :last
