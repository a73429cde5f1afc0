with

scored as (
    select * from {{ ref('taxi_tip_scored') }}
),

by_slot as (
    select
        pickup_hour,
        pickup_day_of_week,
        period_of_day,
        count(*) as trip_count,
        avg(actual_tip_amount) as avg_actual_tip,
        avg(predicted_tip_amount) as avg_predicted_tip,
        avg(prediction_error) as avg_prediction_error,
        avg(absolute_error) as mean_absolute_error,
        100.0 * avg(case when is_within_1usd then 1.0 else 0.0 end)
            as pct_accurate_within_1usd,
        max(model_version) as model_version
    from scored
    group by
        pickup_hour,
        pickup_day_of_week,
        period_of_day
),

final as (
    select
        pickup_hour,
        pickup_day_of_week,
        case pickup_day_of_week
            when 1 then 'Sunday'
            when 2 then 'Monday'
            when 3 then 'Tuesday'
            when 4 then 'Wednesday'
            when 5 then 'Thursday'
            when 6 then 'Friday'
            when 7 then 'Saturday'
        end as day_name,
        pickup_day_of_week in (1, 7) as is_weekend,
        period_of_day,
        case period_of_day
            when 0 then 'night'
            when 1 then 'morning'
            when 2 then 'afternoon'
            when 3 then 'evening'
        end as period_name,
        trip_count,
        avg_actual_tip,
        avg_predicted_tip,
        avg_prediction_error,
        mean_absolute_error,
        pct_accurate_within_1usd,
        model_version
    from by_slot
)

select * from final
