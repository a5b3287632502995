CREATE SCHEMA "association";
--> statement-breakpoint
CREATE TYPE "association"."credit_grade" AS ENUM('AAA', 'AA', 'A', 'B', 'C');--> statement-breakpoint
CREATE TYPE "association"."lead_status" AS ENUM('REPORTED', 'ACCEPTED', 'INVESTIGATING', 'CLOSED');--> statement-breakpoint
CREATE TYPE "association"."lead_type" AS ENUM('CONSUMER_RIGHTS', 'PRICE', 'PREPAID_CARD', 'UNLICENSED', 'VOC', 'HAZARDOUS_WASTE', 'SOCIAL_INSURANCE', 'OTHER');--> statement-breakpoint
CREATE TYPE "association"."membership_status" AS ENUM('ACTIVE', 'SUSPENDED', 'LAPSED');--> statement-breakpoint
CREATE TABLE "association"."credit_score_dimensions" (
	"uscc" varchar(18) NOT NULL,
	"district" varchar(8) NOT NULL,
	"code" varchar(32) NOT NULL,
	"name" text NOT NULL,
	"score" double precision NOT NULL,
	"weight" double precision NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_score_dimensions_pk" PRIMARY KEY("uscc","code")
);
--> statement-breakpoint
CREATE TABLE "association"."credit_scores" (
	"uscc" varchar(18) PRIMARY KEY NOT NULL,
	"district" varchar(8) NOT NULL,
	"total" double precision NOT NULL,
	"assessed_on" date NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "association"."leads" (
	"id" varchar(32) PRIMARY KEY NOT NULL,
	"uscc" varchar(18) NOT NULL,
	"district" varchar(8) NOT NULL,
	"type" "association"."lead_type" NOT NULL,
	"facts" text NOT NULL,
	"evidence" text NOT NULL,
	"routed_agency" varchar(32) NOT NULL,
	"routed_district" varchar(8) NOT NULL,
	"copy_to_commerce" boolean DEFAULT true NOT NULL,
	"reported_on" date NOT NULL,
	"feedback_due" date NOT NULL,
	"status" "association"."lead_status" NOT NULL,
	"feedback" text,
	"feedback_on" date,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "association"."memberships" (
	"uscc" varchar(18) PRIMARY KEY NOT NULL,
	"district" varchar(8) NOT NULL,
	"member_number" varchar(20) NOT NULL,
	"since" date NOT NULL,
	"status" "association"."membership_status" NOT NULL,
	"grade" "association"."credit_grade",
	"grade_valid_from" date,
	"grade_valid_to" date,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "association"."credit_score_dimensions" ADD CONSTRAINT "credit_score_dimensions_uscc_credit_scores_uscc_fk" FOREIGN KEY ("uscc") REFERENCES "association"."credit_scores"("uscc") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_score_dimensions_district_idx" ON "association"."credit_score_dimensions" USING btree ("district");--> statement-breakpoint
CREATE INDEX "credit_scores_district_idx" ON "association"."credit_scores" USING btree ("district");--> statement-breakpoint
CREATE INDEX "leads_uscc_idx" ON "association"."leads" USING btree ("uscc");--> statement-breakpoint
CREATE INDEX "leads_district_idx" ON "association"."leads" USING btree ("district");--> statement-breakpoint
CREATE INDEX "leads_routed_idx" ON "association"."leads" USING btree ("routed_agency","routed_district","status");--> statement-breakpoint
CREATE UNIQUE INDEX "memberships_member_number_idx" ON "association"."memberships" USING btree ("member_number");--> statement-breakpoint
CREATE INDEX "memberships_district_uscc_idx" ON "association"."memberships" USING btree ("district","uscc");--> statement-breakpoint
CREATE INDEX "memberships_grade_uscc_idx" ON "association"."memberships" USING btree ("grade","uscc");--> statement-breakpoint
CREATE INDEX "memberships_status_uscc_idx" ON "association"."memberships" USING btree ("status","uscc");