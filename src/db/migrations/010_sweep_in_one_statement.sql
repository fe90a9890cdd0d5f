-- The batch sweep marks delayed charges invoiced in the same statement that locks them,
-- before their invoice is inserted later in that transaction (src/modules/charges). The
-- link to the invoice is therefore checked at commit, when the invoice exists.
alter table delayed_charges alter constraint delayed_charges_business_id_invoice_id_fkey deferrable initially deferred;
