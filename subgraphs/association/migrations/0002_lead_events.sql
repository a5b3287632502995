CREATE TABLE "association"."lead_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"lead_id" varchar(32) NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"action" "association"."lead_status" NOT NULL,
	"from_status" "association"."lead_status",
	"actor_sub" text NOT NULL,
	"actor_agency" varchar(20) NOT NULL,
	"actor_district" varchar(8),
	"note" text
);
--> statement-breakpoint
ALTER TABLE "association"."leads" ADD COLUMN "reported_by_agency" varchar(20) DEFAULT 'association' NOT NULL;--> statement-breakpoint
ALTER TABLE "association"."leads" ADD COLUMN "reported_by_sub" text;--> statement-breakpoint
ALTER TABLE "association"."lead_events" ADD CONSTRAINT "lead_events_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "association"."leads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lead_events_lead_at_idx" ON "association"."lead_events" USING btree ("lead_id","at");--> statement-breakpoint
CREATE INDEX "leads_reported_by_idx" ON "association"."leads" USING btree ("reported_by_agency","routed_district");--> statement-breakpoint
CREATE INDEX "leads_open_due_idx" ON "association"."leads" USING btree ("feedback_due","id") WHERE "association"."leads"."status" <> 'CLOSED';