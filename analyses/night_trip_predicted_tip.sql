-- What tip does the model predict for night trips (0-5 h), against the
-- actual tip? Means are weighted by the trips in each hour and day.
with

predictions as (
    select * from {{ ref('taxi_tip_predictions') }}
),

night as (
    select
        sum(trip_count) as trip_count,
        sum(avg_predicted_tip * trip_count) / sum(trip_count)
            as avg_predicted_tip,
        sum(avg_actual_tip * trip_count) / sum(trip_count) as avg_actual_tip
    from predictions
    where period_name = 'night'
)

select * from night
