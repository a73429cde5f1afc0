-- Are tips larger in the morning (6-11 h) or at night (0-5 h)? Compares
-- the actual and the predicted mean tip of the two periods.
with

predictions as (
    select * from {{ ref('taxi_tip_predictions') }}
),

by_period as (
    select
        period_name,
        sum(trip_count) as trip_count,
        sum(avg_actual_tip * trip_count) / sum(trip_count) as avg_actual_tip,
        sum(avg_predicted_tip * trip_count) / sum(trip_count)
            as avg_predicted_tip
    from predictions
    where period_name in ('morning', 'night')
    group by period_name
),

comparison as (
    select
        max(case when period_name = 'morning' then avg_actual_tip end)
            as morning_avg_actual_tip,
        max(case when period_name = 'night' then avg_actual_tip end)
            as night_avg_actual_tip,
        max(case when period_name = 'morning' then avg_predicted_tip end)
            as morning_avg_predicted_tip,
        max(case when period_name = 'night' then avg_predicted_tip end)
            as night_avg_predicted_tip
    from by_period
),

final as (
    select
        *,
        case
            when morning_avg_actual_tip > night_avg_actual_tip then 'morning'
            when morning_avg_actual_tip < night_avg_actual_tip then 'night'
            else 'equal'
        end as period_with_larger_actual_tip
    from comparison
)

select * from final
