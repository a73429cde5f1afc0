-- Actual against predicted tip for each period of the day.
with

predictions as (
    select * from {{ ref('taxi_tip_predictions') }}
),

by_period as (
    select
        period_of_day,
        period_name,
        sum(trip_count) as trip_count,
        sum(avg_actual_tip * trip_count) / sum(trip_count) as avg_actual_tip,
        sum(avg_predicted_tip * trip_count) / sum(trip_count)
            as avg_predicted_tip,
        sum(avg_prediction_error * trip_count) / sum(trip_count)
            as avg_prediction_error
    from predictions
    group by
        period_of_day,
        period_name
)

select * from by_period
order by period_of_day
