-- Experiment for docs/PERFORMANCE.md (recommendation R4): the journal balance trigger with an
-- index-driven LATERAL per entry instead of a join whose plan is chosen (and cached by
-- PL/pgSQL for the life of the session) from whatever statistics existed at first use.
-- Try it: npm run bench -- bulk --approve --sql bench/experiments/journal-balance-lateral.sql
create or replace function journal_lines_balanced() returns trigger language plpgsql as $$
declare
  bad text;
begin
  select n.entry_id into bad
  from (select distinct business_id, entry_id from new_lines) n
  cross join lateral (
    select sum(l.debit) as debit, sum(l.credit) as credit
    from journal_lines l
    where l.business_id = n.business_id and l.entry_id = n.entry_id
  ) s
  where s.debit <> s.credit
  limit 1;
  if bad is not null then
    raise exception 'journal entry % does not balance', bad using errcode = '23514';
  end if;
  return null;
end $$;
