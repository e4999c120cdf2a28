-- Seed 000, pg2: cross-system reporting (daily_reports, kpi_tracking, report_subscriptions).
CREATE TABLE daily_reports (
    report_date   date NOT NULL,
    report_name   text NOT NULL,
    generated_at  timestamptz NOT NULL,
    row_count     integer NOT NULL,
    payload       jsonb NOT NULL,
    PRIMARY KEY (report_date, report_name)
);

CREATE TABLE kpi_tracking (
    kpi           text NOT NULL,
    measured_on   date NOT NULL,
    value         numeric(14,4) NOT NULL,
    target        numeric(14,4) NOT NULL,
    PRIMARY KEY (kpi, measured_on)
);
CREATE INDEX kpi_tracking_date_idx ON kpi_tracking (measured_on);

CREATE TABLE report_subscriptions (
    subscription_id integer PRIMARY KEY,
    report_name   text NOT NULL,
    recipient     text NOT NULL,
    frequency     text NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly'))
);

INSERT INTO daily_reports
SELECT d::date, r, d + interval '6 hours', (extract(doy FROM d)::int * 37 + length(r)) % 5000,
       jsonb_build_object('source', r, 'day', d::date, 'ok', extract(doy FROM d)::int % 11 <> 0)
FROM generate_series(date '2025-01-01', date '2025-12-31', interval '1 day') AS d,
     unnest(ARRAY['sales_summary', 'headcount', 'cash_position', 'inventory_levels']) AS r;

INSERT INTO kpi_tracking
SELECT k, d::date, round(((extract(doy FROM d)::int * 17 + length(k) * 31) % 1000 / 10.0)::numeric, 4), 75
FROM generate_series(date '2025-01-01', date '2025-12-31', interval '1 day') AS d,
     unnest(ARRAY['nps', 'churn', 'gross_margin', 'on_time_delivery', 'ticket_backlog']) AS k;

INSERT INTO report_subscriptions
SELECT s, (ARRAY['sales_summary','headcount','cash_position','inventory_levels'])[1 + s % 4], format('user%s@corp.example', s),
       (ARRAY['daily','weekly','monthly'])[1 + s % 3]
FROM generate_series(1, 300) AS s;
