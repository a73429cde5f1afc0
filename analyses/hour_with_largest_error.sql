-- At which pickup hour does the model err most? Hours ranked by mean
-- absolute error over all days, weighted by trips.
with

predictions as (
    select * from {{ ref('taxi_tip_predictions') }}
),

by_hour as (
    select
        pickup_hour,
        sum(trip_count) as trip_count,
        sum(mean_absolute_error * trip_count) / sum(trip_count)
            as mean_absolute_error,
        sum(avg_prediction_error * trip_count) / sum(trip_count)
            as avg_prediction_error
    from predictions
    group by pickup_hour
)

select * from by_hour
order by mean_absolute_error desc
