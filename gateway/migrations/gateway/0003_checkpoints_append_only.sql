-- The signed checkpoints are append-only like the log they sign: no UPDATE, DELETE or TRUNCATE
-- through SQL. (A gateway re-signing an unchanged head inserts nothing: ON CONFLICT DO NOTHING.)
CREATE FUNCTION "gateway"."audit_checkpoints_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'gateway.audit_checkpoints is append-only';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_checkpoints_no_update_delete" BEFORE UPDATE OR DELETE ON "gateway"."audit_checkpoints"
  FOR EACH ROW EXECUTE FUNCTION "gateway"."audit_checkpoints_append_only"();
--> statement-breakpoint
CREATE TRIGGER "audit_checkpoints_no_truncate" BEFORE TRUNCATE ON "gateway"."audit_checkpoints"
  FOR EACH STATEMENT EXECUTE FUNCTION "gateway"."audit_checkpoints_append_only"();
