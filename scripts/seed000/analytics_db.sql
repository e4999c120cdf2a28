-- Seed 000, pg1: business intelligence (sales_metrics, customer_analytics, product_performance).
CREATE TABLE sales_metrics (
    metric_date   date NOT NULL,
    region        text NOT NULL,
    orders        integer NOT NULL,
    revenue       numeric(14,2) NOT NULL,
    avg_basket    numeric(10,2) GENERATED ALWAYS AS (CASE WHEN orders = 0 THEN 0 ELSE round(revenue / orders, 2) END) STORED,
    PRIMARY KEY (metric_date, region)
);

CREATE TABLE customer_analytics (
    customer_id   integer PRIMARY KEY,
    first_order   date NOT NULL,
    last_order    date NOT NULL,
    order_count   integer NOT NULL,
    churn_risk    real NOT NULL CHECK (churn_risk BETWEEN 0 AND 1),
    cohort        text NOT NULL
);
CREATE INDEX customer_analytics_cohort_idx ON customer_analytics (cohort);

CREATE TABLE product_performance (
    sku           text NOT NULL,
    period        date NOT NULL,
    units_sold    integer NOT NULL,
    return_rate   numeric(5,4) NOT NULL,
    PRIMARY KEY (sku, period)
);

INSERT INTO sales_metrics (metric_date, region, orders, revenue)
SELECT d::date, r, 50 + (extract(doy FROM d)::int * 7 + length(r) * 13) % 400,
       round(((50 + (extract(doy FROM d)::int * 7 + length(r) * 13) % 400) * (40 + extract(doy FROM d)::int % 60))::numeric, 2)
FROM generate_series(date '2024-01-01', date '2025-12-31', interval '1 day') AS d, unnest(ARRAY['EMEA', 'AMER', 'APAC']) AS r;

INSERT INTO customer_analytics (customer_id, first_order, last_order, order_count, churn_risk, cohort)
SELECT c, date '2024-06-01' + c % 200, date '2024-06-01' + c % 200 + (c * 7) % 300, 1 + c % 9,
       ((c * 37) % 100) / 100.0, format('%s-Q%s', 2024 + c % 2, 1 + c % 4)
FROM generate_series(1, 2000) AS c;

INSERT INTO product_performance (sku, period, units_sold, return_rate)
SELECT format('SKU-%s', lpad(s::text, 4, '0')), m::date, (s * 17 + extract(month FROM m)::int * 5) % 900, ((s * 3) % 80) / 1000.0
FROM generate_series(1, 200) AS s, generate_series(date '2025-01-01', date '2025-12-01', interval '1 month') AS m;
