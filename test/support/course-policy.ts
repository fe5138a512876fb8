/**
 * The course policy the policy tests grade under: due 25 Oct 2025 23:59 in Berlin, 15 minutes'
 * grace, 10 % per day started (at most 50 %), nothing after 7 days, one extension (student
 * `extended`, to 28 Oct), and the Canvas and Moodle columns.
 */
export function policyAssignment(name: string): string {
  return `name: ${name}
labs: [activations]
due: 2025-10-25 23:59
time_zone: Europe/Berlin
grace: 15m
late_penalty: { percent: 10, per: day, max_percent: 50 }
cutoff: 7d
extensions:
  - { student: extended, due: 2025-10-28 23:59 }
lms:
  canvas: { columns: { activations: "Lab 1 (4812)" } }
  moodle: { identifier: email }
`;
}
