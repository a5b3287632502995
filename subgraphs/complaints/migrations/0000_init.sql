CREATE SCHEMA "complaints";
--> statement-breakpoint
CREATE TYPE "complaints"."agency" AS ENUM('market', 'environment', 'hrss', 'commerce', 'petition');--> statement-breakpoint
CREATE TYPE "complaints"."complaint_category" AS ENUM('GARMENT_DAMAGE', 'LOST_OR_SWAPPED', 'PRICE', 'PREPAID_CARD', 'FAKE_DRY_CLEANING', 'POLLUTION_NUISANCE', 'UNLICENSED', 'OTHER');--> statement-breakpoint
CREATE TYPE "complaints"."complaint_channel" AS ENUM('HOTLINE_12345', 'HOTLINE_12315', 'PETITION', 'ONLINE');--> statement-breakpoint
CREATE TYPE "complaints"."complaint_satisfaction" AS ENUM('SATISFIED', 'BASICALLY_SATISFIED', 'DISSATISFIED');--> statement-breakpoint
CREATE TYPE "complaints"."complaint_status" AS ENUM('RECEIVED', 'TRANSFERRED', 'IN_PROGRESS', 'REPLIED', 'CLOSED', 'REJECTED');--> statement-breakpoint
CREATE TABLE "complaints"."complainants" (
	"ticket_id" varchar(24) PRIMARY KEY NOT NULL,
	"uscc" varchar(18),
	"district" varchar(8) NOT NULL,
	"name" text NOT NULL,
	"phone" varchar(20) NOT NULL,
	"address" text,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "complaints"."tickets" (
	"id" varchar(24) PRIMARY KEY NOT NULL,
	"channel" "complaints"."complaint_channel" NOT NULL,
	"received_on" date NOT NULL,
	"category" "complaints"."complaint_category" NOT NULL,
	"status" "complaints"."complaint_status" NOT NULL,
	"handling_agency" "complaints"."agency" NOT NULL,
	"handling_district" varchar(8) NOT NULL,
	"due_on" date NOT NULL,
	"closed_on" date,
	"satisfaction" "complaints"."complaint_satisfaction",
	"respondent_name" text NOT NULL,
	"uscc" varchar(18),
	"district" varchar(8) NOT NULL,
	"text" text NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "complaints"."complainants" ADD CONSTRAINT "complainants_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "complaints"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "complainants_uscc_idx" ON "complaints"."complainants" USING btree ("uscc");--> statement-breakpoint
CREATE INDEX "complainants_district_idx" ON "complaints"."complainants" USING btree ("district");--> statement-breakpoint
CREATE INDEX "tickets_uscc_received_idx" ON "complaints"."tickets" USING btree ("uscc","received_on");--> statement-breakpoint
CREATE INDEX "tickets_district_received_idx" ON "complaints"."tickets" USING btree ("district","received_on");--> statement-breakpoint
CREATE INDEX "tickets_received_id_idx" ON "complaints"."tickets" USING btree ("received_on","id");