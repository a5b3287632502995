CREATE TABLE "emissions"."operator_districts" (
	"uscc" varchar(18) PRIMARY KEY NOT NULL,
	"district" varchar(8) NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL
);
