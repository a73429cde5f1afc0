{#
    In every period of the day the mean predicted tip is within
    max_period_calibration_error_usd dollars of the mean actual tip.
    Returns one row per period outside that bound.
#}
with

scored as (
    select * from {{ ref('taxi_tip_scored') }}
),

by_period as (
    select
        period_of_day,
        avg(predicted_tip_amount) as avg_predicted_tip,
        avg(actual_tip_amount) as avg_actual_tip
    from scored
    group by period_of_day
)

select * from by_period
where
    abs(avg_predicted_tip - avg_actual_tip)
    > {{ var('max_period_calibration_error_usd') }}
