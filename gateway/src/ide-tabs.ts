/**
 * The operations `/graphiql` opens with, one tab each. They are the README's examples (a test keeps
 * them equal, comments aside, and valid against the supergraph), commented for someone who has never
 * seen the graph. GraphiQL names each tab after its operation.
 */
export interface IdeTab {
  query: string;
  variables?: string;
}

/** The caller's own field groups: the "What may I read" button runs this. */
export const MY_ACCESS = `# 我能读什么 — what may I read?
# Your agency's field groups: each one's scope (FULL, MEMBERS, HANDLER, AGGREGATE), the district
# it is limited to (a district-level token), and what its derived values reveal of other groups.
# A field outside these groups comes back null with an error FORBIDDEN that names its group.
query MyAccess {
  myAccess {
    groups { id scope district reveals }
  }
}
`;

export const ONE_OPERATOR = `# 一户经营者，五个部门 — one operator, with what each department knows.
# Put a uscc in Variables below (the Operators tab lists some), then run (Ctrl-Enter).
# Fields your agency may not read come back null, each with an error FORBIDDEN naming its group.
query OneOperator($uscc: ID!) {
  operator(uscc: $uscc) {
    # 市场监管局 (market): registration and outlets
    uscc name status districtName legalRepresentative usccCheckDigitValid
    outlets {
      id type address location { lng lat }
      # 生态环境局 (environment): the dry-cleaning machines of each outlet
      machines { solvent enclosure capacityKg }
    }
    # 生态环境局 (environment): emissions
    emissionSummary { compliant reasons solvents enclosedShare }
    solventLedger(months: 3) { month solvent consumedKg garmentsKg solventGramsPerKg }
    # 人社局 (hrss): social insurance
    socialInsuranceStatus { inArrears maxArrearsMonths insurances { type code paymentStatus arrearsMonths } }
    insuredHeadcount { band }
    # 信访局 (petition): complaints
    complaintSummary { total open byCategory { category count } }
    # 杭州洗染行业协会 (association): membership and credit grade
    membership { memberNumber since status }
    creditGrade { grade validFrom validTo }
  }
}
`;

const OPERATORS = `# 西湖区的经营者 — a page of active operators in 西湖区 (330106).
# For the next page add \`after: "<endCursor>"\` to the arguments; first is at most 1,000.
query Operators {
  operators(first: 50, filter: { district: "330106", status: ACTIVE }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { uscc name outlets { type } creditGrade { grade } }
  }
}
`;

const STATISTICS = `# 分区统计 — statistics by district, each over its own department's data.
# An AGGREGATE grant opens these without the records; counts of 1 or 2 are suppressed.
query Statistics {
  registrationStatistics { district districtName operators active openOutlets }
  emissionStatistics(district: "330106") { compliantOperators openMachines machinesBySolvent { solvent machines } }
  socialInsuranceStatistics { district unitsInArrears }
  complaintStatistics { district tickets byCategory { category count } }
  associationStatistics { district members byGrade { grade members } }
}
`;

const CATALOGUE = `# 授权使用目录 — the catalogue: every field group, its owner and fields, and every grant.
# Anyone with a token may read it.
query Catalogue {
  authorizationCatalogue {
    groups { id owner coordinates }
    grants { id group grantee scope purpose grantedBy expiresAt }
  }
}
`;

/** The tabs in the order they open; the first is the one shown. */
export const IDE_TABS: readonly IdeTab[] = [
  { query: ONE_OPERATOR, variables: JSON.stringify({ uscc: '' }, null, 2) },
  { query: OPERATORS },
  { query: STATISTICS },
  { query: MY_ACCESS },
  { query: CATALOGUE },
];
