-- A project's members are listed by their first membership, oldest first. This index lets a
-- page of them be read in that order without grouping every membership of the project (a
-- project may have hundreds of thousands of members).
CREATE INDEX project_membership_order_idx ON project_membership (project_id, created_at, identity_id);
