CREATE SCHEMA "gateway";
--> statement-breakpoint
CREATE TABLE "gateway"."grant_changes" (
	"id" varchar(40) PRIMARY KEY NOT NULL,
	"grant_id" varchar(80) NOT NULL,
	"action" varchar(10) NOT NULL,
	"actor_sub" text NOT NULL,
	"actor_agency" varchar(20) NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gateway"."grants" (
	"id" varchar(80) PRIMARY KEY NOT NULL,
	"group_id" varchar(40) NOT NULL,
	"grantee" varchar(20) NOT NULL,
	"level" varchar(10),
	"scope" varchar(10) NOT NULL,
	"purpose" text NOT NULL,
	"granted_by" text NOT NULL,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"revoke_reason" text
);
--> statement-breakpoint
CREATE INDEX "grants_group_idx" ON "gateway"."grants" USING btree ("group_id");