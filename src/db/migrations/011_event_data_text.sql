-- An event batch's data is the JSON text Billow itself serialized: storing it as text spares
-- PostgreSQL re-parsing ~100 KB of JSON per bulk call to validate it (0.2 ms of backend CPU,
-- docs/PERFORMANCE.md). The one query that looks inside casts it where it reads it.
alter table event_batches alter column data type text;
-- Changing the type resets the column's compression and storage: set them again as 007 does.
do $$
begin
  alter table event_batches alter column data set compression lz4;
exception when others then
  alter table event_batches alter column data set storage external;
end $$;
