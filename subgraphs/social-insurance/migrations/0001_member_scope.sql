CREATE TABLE "social_insurance"."member_scope" (
	"uscc" varchar(18) PRIMARY KEY NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL
);
