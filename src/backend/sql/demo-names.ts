/** Word lists for realistic demo data. */
export const FIRST_NAMES = [
  'Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Donald', 'Radia', 'Tim',
  'Katherine', 'John', 'Hedy', 'Edsger', 'Sophie', 'Niklaus', 'Annie', 'Guido', 'Shafi', 'Yukihiro', 'Lynn', 'Bjarne',
  'Jean', 'Vint', 'Mary', 'Leslie', 'Evelyn', 'Tony', 'Carol', 'Ivan', 'Fran', 'Robin', 'Joan', 'Whitfield', 'Priya',
  'Mateo', 'Chiara', 'Kwame', 'Aiko', 'Olu', 'Ingrid', 'Rafael', 'Mei', 'Tomasz', 'Amara', 'Lars', 'Zainab', 'Hugo',
];
export const LAST_NAMES = [
  'Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen', 'Knuth', 'Perlman',
  'Berners-Lee', 'Johnson', 'McCarthy', 'Lamarr', 'Dijkstra', 'Wilson', 'Wirth', 'Easley', 'van Rossum', 'Goldwasser',
  'Matsumoto', 'Conway', 'Stroustrup', 'Sammet', 'Cerf', 'Keller', 'Lamport', 'Boyd', 'Hoare', 'Shaw', 'Sutherland',
  'Bilas', 'Milner', 'Clarke', 'Diffie', 'Raman', 'Fernández', 'Russo', 'Mensah', 'Tanaka', 'Adeyemi', 'Berg', 'Silva',
  'Chen', 'Nowak', 'Okafor', 'Lindqvist', 'Hassan', 'Moreau',
];
export const COMPANIES = [
  'Initech', 'Umbrella Health', 'Stark Logistics', 'Wayne Retail', 'Soylent Foods', 'Hooli', 'Vandelay Imports',
  'Cyberdyne Systems', 'Tyrell Labs', 'Wonka Confectionery', 'Pied Piper', 'Massive Dynamic', 'Oscorp', 'Gringotts Bank',
  'Aperture Science', 'Black Mesa', 'Monarch Energy', 'Nakatomi Trading', 'Prestige Worldwide', 'Dunder Mifflin',
];
export const ROLES = [
  'Head of Data', 'Data Analyst', 'CFO', 'Operations Manager', 'VP Engineering', 'Finance Controller', 'BI Lead',
  'Product Manager', 'Marketing Director', 'Procurement Lead', 'CTO', 'Account Executive', 'Data Engineer', null,
];
export const JOB_TITLES = [
  'Quarterly revenue export', 'Monthly churn report', 'Customer segmentation refresh', 'Pipeline health check',
  'Invoice reconciliation', 'Inventory snapshot', 'Marketing attribution model', 'Forecast recalculation',
  'Support ticket digest', 'Warehouse sync', 'Cohort retention analysis', 'Sales leaderboard', 'Data quality audit',
  'Price elasticity study', 'Regional performance review', 'Subscription renewals forecast', 'GDPR data export',
  'Board pack figures', 'Weekly KPI digest', 'Supplier spend analysis',
];
export const FAILURES = [
  'upstream warehouse timed out after 300 s',
  'schema mismatch: column "region_code" not found in source',
  'quota exceeded for export destination',
  'source credentials expired; re-authorise the connector',
  'out of memory while aggregating 48M rows',
];
