{#
    Tips are recorded only for card payments (cash tips never reach the
    meter), so the model learns from credit-card trips alone.

    Files up to June 2016 locate trips by coordinates, later files by taxi
    zone. Both sets of location columns are always filled, with 0 where a
    trip has the other kind, and has_coordinates tells the model which set
    is real, so input that mixes eras trains one model.
#}
with

trips as (
    select * from {{ ref('taxi_trips_cleaned') }}
),

card_trips as (
    select * from trips
    where
        is_credit_card
        and tip_amount >= {{ var('min_tip_amount') }}
        and tip_amount <= {{ var('max_tip_amount') }}
),

final as (
    select
        trip_id,
        pickup_datetime,
        pickup_date,
        pickup_hour,
        pickup_day_of_week,
        case
            when pickup_hour between 0 and 5 then 0
            when pickup_hour between 6 and 11 then 1
            when pickup_hour between 12 and 17 then 2
            else 3
        end as period_of_day,
        pickup_day_of_week in (1, 7) as is_weekend,
        (
            pickup_day_of_week between 2 and 6
            and (
                pickup_hour between 7 and 9
                or pickup_hour between 17 and 19
            )
        ) as is_rush_hour,
        has_coordinates,
        coalesce({{ round_half_up('pickup_latitude', 2) }}, 0)
            as pickup_latitude_zone,
        coalesce({{ round_half_up('pickup_longitude', 2) }}, 0)
            as pickup_longitude_zone,
        coalesce({{ round_half_up('dropoff_latitude', 2) }}, 0)
            as dropoff_latitude_zone,
        coalesce({{ round_half_up('dropoff_longitude', 2) }}, 0)
            as dropoff_longitude_zone,
        coalesce(pickup_location_id, 0) as pickup_location_id,
        coalesce(dropoff_location_id, 0) as dropoff_location_id,
        pickup_borough,
        dropoff_borough,
        trip_distance,
        ln(1 + trip_distance) as log_trip_distance,
        trip_duration_min,
        ln(1 + trip_duration_min) as log_trip_duration,
        trip_distance / trip_duration_min as distance_duration_ratio,
        fare_amount,
        passenger_count,
        coalesce(extra, 0) as extra,
        coalesce(mta_tax, 0) as mta_tax,
        coalesce(tolls_amount, 0) as tolls_amount,
        coalesce(improvement_surcharge, 0) as improvement_surcharge,
        tip_amount
    from card_trips
)

select * from final
