-- How accurate is the model on weekends compared with weekdays?
with

predictions as (
    select * from {{ ref('taxi_tip_predictions') }}
),

by_day_type as (
    select
        is_weekend,
        sum(trip_count) as trip_count,
        sum(mean_absolute_error * trip_count) / sum(trip_count)
            as mean_absolute_error,
        sum(pct_accurate_within_1usd * trip_count) / sum(trip_count)
            as pct_accurate_within_1usd
    from predictions
    group by is_weekend
)

select * from by_day_type
order by is_weekend
