-- Leads recorded before leads carried their groups (see src/lead-groups.ts): what the reporting
-- agency cites of its own data, or else the groups of the lead's type.
UPDATE "association"."leads" SET "groups" = CASE
  WHEN "reported_by_agency" = 'hrss' THEN ARRAY['socialInsuranceStatus']
  WHEN "reported_by_agency" = 'environment' THEN ARRAY['machinesAndPermits', 'inspections']
  WHEN "reported_by_agency" = 'market' THEN ARRAY['registration']
  WHEN "type" = 'UNLICENSED' THEN ARRAY['registration']
  WHEN "type" = 'VOC' THEN ARRAY['machinesAndPermits', 'inspections']
  WHEN "type" = 'HAZARDOUS_WASTE' THEN ARRAY['inspections']
  WHEN "type" = 'SOCIAL_INSURANCE' THEN ARRAY['socialInsuranceStatus']
  ELSE ARRAY['leads']
END::text[]
WHERE cardinality("groups") = 0;
