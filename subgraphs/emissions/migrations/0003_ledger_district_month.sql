DROP INDEX "emissions"."solvent_ledger_district_idx";--> statement-breakpoint
CREATE INDEX "solvent_ledger_district_month_idx" ON "emissions"."solvent_ledger" USING btree ("district","month");