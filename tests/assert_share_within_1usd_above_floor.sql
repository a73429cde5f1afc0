{#
    The share of test trips predicted within one dollar stays at or above
    min_pct_accurate_within_1usd. Returns one row when it falls below.
#}
with

scored as (
    select * from {{ ref('taxi_tip_scored') }}
),

overall as (
    select
        100.0 * avg(case when is_within_1usd then 1.0 else 0.0 end)
            as pct_accurate_within_1usd
    from scored
)

select * from overall
where
    pct_accurate_within_1usd < {{ var('min_pct_accurate_within_1usd') }}
    or pct_accurate_within_1usd is null
