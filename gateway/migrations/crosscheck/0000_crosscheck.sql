CREATE SCHEMA "crosscheck";
--> statement-breakpoint
CREATE TABLE "crosscheck"."findings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"finding_key" text NOT NULL,
	"rule" varchar(40) NOT NULL,
	"district" varchar(8) NOT NULL,
	"uscc" varchar(18) NOT NULL,
	"facts" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"first_detected_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"first_run" varchar(48) NOT NULL,
	"resolved_run" varchar(48)
);
--> statement-breakpoint
CREATE TABLE "crosscheck"."runs" (
	"id" varchar(48) PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"districts" integer NOT NULL,
	"open" integer NOT NULL,
	"new" integer NOT NULL,
	"resolved" integer NOT NULL,
	"by_rule" jsonb NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "findings_open_key_idx" ON "crosscheck"."findings" USING btree ("finding_key") WHERE resolved_at is null;--> statement-breakpoint
CREATE INDEX "findings_district_rule_idx" ON "crosscheck"."findings" USING btree ("district","rule");--> statement-breakpoint
CREATE INDEX "findings_uscc_idx" ON "crosscheck"."findings" USING btree ("uscc");