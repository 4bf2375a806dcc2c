-- The monitor's schema. Table order is load order: every table only references tables above it.
-- References between a programme's tables are written /* references t (c) */ and checked by every import
-- (monitor/masterdata.py), not declared to DuckDB: DuckDB cannot delete a referenced row and its referencing
-- rows in one transaction, which an update of a programme or the undo of an import needs.
-- Money is decimal(14,2) in EUR, shares are 0..100, dates stay inside 2000..2040 so a typo such as
-- 2201 instead of 2021 is rejected by the database, not discovered on a chart.

create table programme (
    programme_id        varchar primary key,
    name_de             varchar not null,
    name_en             varchar not null,
    funder              varchar not null,
    budget_eur          decimal(14,2) not null check (budget_eur >= 0),
    max_grant_eur       decimal(14,2) check (max_grant_eur >= 0),
    launch_date         date not null check (launch_date between date '2000-01-01' and date '2040-12-31'),
    deadline_date       date not null check (deadline_date >= launch_date),
    decision_date       date not null check (decision_date >= deadline_date),
    term_start_date     date not null check (term_start_date >= launch_date),
    term_end_date       date not null check (term_end_date > term_start_date and term_end_date <= date '2040-12-31'),
    -- traffic-light rule: how far payments may lag the payment plan, in % of the grant (monitor/relations.sql)
    amber_gap_pct       decimal(5,1) not null check (amber_gap_pct between 0 and 100),
    red_gap_pct         decimal(5,1) not null check (red_gap_pct between amber_gap_pct and 100),
    -- a milestone this many days overdue turns a project red; a report older than this is overdue
    red_overdue_days    integer not null check (red_overdue_days >= 0),
    report_interval_days integer not null check (report_interval_days > 0),
    -- a planned payment counts as late only this many days after its planned date
    payment_grace_days  integer not null default 0 check (payment_grace_days between 0 and 366),
    source              varchar not null,
    -- the Land whose Kreise the maps draw (2-digit AGS); null for a federal programme (all of Germany)
    land_id             varchar check (length(land_id) = 2),
    -- what project.granted_eur holds: the grant ('grant') or, as in an EU "Liste der Vorhaben", the total
    -- eligible expenditure ('eligible_cost', shown as "förderfähige Gesamtausgaben")
    grant_basis         varchar not null default 'grant' check (grant_basis in ('grant', 'eligible_cost'))
);

create table goal (
    goal_id             varchar primary key,
    programme_id        varchar not null /* references programme (programme_id) */,
    sort_order          integer not null,
    label_de            varchar not null,
    label_en            varchar not null,
    source              varchar not null
);

create table region (
    region_id           varchar primary key,          -- AGS: 2 digits Land, 5 Kreis, 8 Gemeinde
    name                varchar not null,
    kind                varchar not null check (kind in ('land', 'kreis', 'kreisfreie_stadt', 'stadt', 'gemeinde')),
    kreis_id            varchar /* references region (region_id) */,          -- the Kreis of a Gemeinde; null for Kreise and the Land
    nuts3               varchar,
    area_km2            decimal(10,2) check (area_km2 > 0),
    population          integer check (population >= 0),
    population_date     date,
    lat                 double check (lat between 47 and 56),
    lon                 double check (lon between 5 and 16),
    is_illustrative     boolean not null,
    source              varchar not null,
    check (length(region_id) in (2, 5, 8))
);

create table applicant (
    applicant_id        varchar primary key,
    name                varchar not null,
    kind                varchar not null check (kind in ('kreis', 'kreisfreie_stadt', 'stadt', 'gemeinde', 'amt', 'verbund',
                                                     'sonstige')),
    region_id           varchar not null /* references region (region_id) */,  -- seat (lead municipality)
    kreis_id            varchar not null /* references region (region_id) */,
    lat                 double not null check (lat between 47 and 56),
    lon                 double not null check (lon between 5 and 16),
    population          integer check (population >= 0),                  -- people served, members included
    is_illustrative     boolean not null,
    source              varchar not null
);

create table applicant_member (
    applicant_id        varchar not null /* references applicant (applicant_id) */,
    region_id           varchar not null /* references region (region_id) */,
    role                varchar not null check (role in ('lead', 'member', 'partner')),
    source              varchar not null,
    primary key (applicant_id, region_id)
);

create table application (
    application_id      varchar primary key,
    programme_id        varchar not null /* references programme (programme_id) */,
    applicant_id        varchar not null /* references applicant (applicant_id) */,
    title               varchar not null,
    received_date       date not null check (received_date between date '2000-01-01' and date '2040-12-31'),
    requested_eur       decimal(14,2) not null check (requested_eur >= 0),
    -- funnel: received -> eligible -> scored -> selected; each drop-out has its reason
    status              varchar not null check (status in ('selected', 'not_selected', 'ineligible', 'withdrawn')),
    dropout_reason      varchar,
    is_illustrative     boolean not null,
    source              varchar not null,
    check ((status in ('ineligible', 'withdrawn')) = (dropout_reason is not null))
);

create table application_goal (
    application_id      varchar not null /* references application (application_id) */,
    goal_id             varchar not null /* references goal (goal_id) */,
    primary key (application_id, goal_id)
);

create table criterion (
    criterion_id        varchar primary key,
    programme_id        varchar not null /* references programme (programme_id) */,
    sort_order          integer not null,
    label_de            varchar not null,
    label_en            varchar not null,
    weight_pct          decimal(5,1) not null check (weight_pct > 0 and weight_pct <= 100),
    max_points          integer not null check (max_points > 0),
    is_illustrative     boolean not null
);

create table juror (
    juror_id            varchar primary key,             -- an institution, never a person
    programme_id        varchar not null /* references programme (programme_id) */,
    institution         varchar not null,
    short_name          varchar not null,
    is_chair            boolean not null,
    source              varchar not null
);

create table score (
    application_id      varchar not null /* references application (application_id) */,
    juror_id            varchar not null /* references juror (juror_id) */,
    criterion_id        varchar not null /* references criterion (criterion_id) */,
    points              decimal(4,1) check (points >= 0),
    is_recused          boolean not null,
    primary key (application_id, juror_id, criterion_id),
    check (is_recused = (points is null))
);

create table import_batch (
    import_batch_id     integer primary key,
    kind                varchar not null check (kind in ('payments', 'milestones', 'reports', 'stammdaten',
                                                     'vorhabenliste')),
    file_name           varchar not null,
    sha256              varchar not null check (length(sha256) = 64),
    row_count           integer not null check (row_count >= 0),
    imported_by         varchar not null,
    imported_at         timestamp not null,
    undone_by           varchar,
    undone_at           timestamp
);

create table project (
    project_id          varchar primary key,
    programme_id        varchar not null /* references programme (programme_id) */,
    application_id      varchar unique /* references application (application_id) */,   -- null: no competition
    applicant_id        varchar not null /* references applicant (applicant_id) */,
    title               varchar not null,
    granted_eur         decimal(14,2) not null check (granted_eur >= 0),
    own_funds_pct       decimal(5,1) check (own_funds_pct between 0 and 100),
    decision_date       date not null check (decision_date between date '2000-01-01' and date '2040-12-31'),
    start_date          date not null check (start_date >= decision_date - interval 1 year),
    end_date            date not null check (end_date > start_date and end_date <= date '2040-12-31'),
    is_illustrative     boolean not null,
    source              varchar not null,
    summary             varchar,
    cofinancing_pct     decimal(5,2) check (cofinancing_pct between 0 and 100),   -- EU co-financing rate
    location            varchar                                                   -- place as published
);

create table project_goal (
    project_id          varchar not null /* references project (project_id) */,
    goal_id             varchar not null /* references goal (goal_id) */,
    weight_pct          decimal(5,1) not null check (weight_pct > 0 and weight_pct <= 100),
    is_illustrative     boolean not null,
    primary key (project_id, goal_id)
);

create table project_theme (
    project_id          varchar not null /* references project (project_id) */,
    theme               varchar not null,
    source              varchar not null,
    primary key (project_id, theme)
);

create table planned_payment (
    project_id          varchar not null /* references project (project_id) */,
    planned_date        date not null check (planned_date between date '2000-01-01' and date '2040-12-31'),
    amount_eur          decimal(14,2) not null check (amount_eur >= 0),
    primary key (project_id, planned_date)
);

create table payment (
    payment_id          varchar primary key,
    project_id          varchar not null /* references project (project_id) */,
    payment_date        date not null check (payment_date between date '2000-01-01' and date '2040-12-31'),
    amount_eur          decimal(14,2) not null check (amount_eur > 0),
    kind                varchar not null check (kind in ('abschlag', 'schlusszahlung')),
    note                varchar,
    import_batch_id     integer references import_batch (import_batch_id)
);

create table milestone (
    milestone_id        varchar primary key,
    project_id          varchar not null /* references project (project_id) */,
    title               varchar not null,
    planned_date        date not null check (planned_date between date '2000-01-01' and date '2040-12-31'),
    done_date           date check (done_date between date '2000-01-01' and date '2040-12-31'),
    is_illustrative     boolean not null,
    source              varchar not null,
    import_batch_id     integer references import_batch (import_batch_id)
);

create table progress_report (
    report_id           varchar primary key,
    project_id          varchar not null /* references project (project_id) */,
    report_date         date not null check (report_date between date '2000-01-01' and date '2040-12-31'),
    progress_pct        decimal(5,1) not null check (progress_pct between 0 and 100),
    status              varchar not null check (status in ('green', 'amber', 'red')),
    summary             varchar,
    import_batch_id     integer references import_batch (import_batch_id),
    unique (project_id, report_date)
);

create table indicator (
    indicator_id        varchar primary key,
    label_de            varchar not null,
    label_en            varchar not null,
    unit_de             varchar not null,
    unit_en             varchar not null
);

create table indicator_value (
    project_id          varchar not null /* references project (project_id) */,
    indicator_id        varchar not null /* references indicator (indicator_id) */,
    value_date          date not null check (value_date between date '2000-01-01' and date '2040-12-31'),
    value               decimal(14,2) not null check (value >= 0),
    qualifier           varchar not null check (qualifier in ('=', '~', '>')),  -- exact, about, more than
    is_illustrative     boolean not null,
    source              varchar not null,
    primary key (project_id, indicator_id, value_date)
);

-- What each import changed, so an undo can restore the state before it exactly: an inserted row is
-- deleted again, an updated row gets its before-image (the whole row as JSON) back.
create table import_change (
    import_batch_id     integer not null references import_batch (import_batch_id),
    table_name          varchar not null,
    row_key             varchar not null,      -- the key value, or a JSON list of the key values
    action              varchar not null check (action in ('insert', 'update', 'delete')),
    before_json         varchar,
    primary key (import_batch_id, table_name, row_key),
    check ((action = 'insert') = (before_json is null))
);

-- What a project agreed to achieve with an indicator: from baseline_value to target_value by target_date.
-- Optional (a programme may agree no targets: the pages then say so). Targets may also fall (a baseline of
-- 30 days' processing time, a target of 10), but never equal the baseline: the share reached divides by it.
create table indicator_target (
    project_id          varchar not null /* references project (project_id) */,
    indicator_id        varchar not null /* references indicator (indicator_id) */,
    baseline_value      decimal(14,2) not null check (baseline_value >= 0),
    target_value        decimal(14,2) not null check (target_value >= 0),
    target_date         date not null check (target_date between date '2000-01-01' and date '2040-12-31'),
    is_illustrative     boolean not null,
    source              varchar not null,
    primary key (project_id, indicator_id),
    check (target_value <> baseline_value)
);
