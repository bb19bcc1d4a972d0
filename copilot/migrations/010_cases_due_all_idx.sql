-- The queue listing with status=all (and the deep pages of it) sorts every case by the nearest deadline;
-- without this index that was a full sort: 78 ms per page at 100,000 cases (bench/bench_desk.py), 1.3 ms with it.
CREATE INDEX cases_due_all_idx ON cases (next_due_at, id);
