with

validated as (
    select * from {{ ref('int_taxi_trips_validated') }}
),

final as (
    select
        trip_id,
        vendor_id,
        pickup_datetime,
        dropoff_datetime,
        pickup_date,
        pickup_hour,
        pickup_day_of_week,
        passenger_count,
        trip_distance,
        pickup_longitude,
        pickup_latitude,
        dropoff_longitude,
        dropoff_latitude,
        pickup_location_id,
        dropoff_location_id,
        rate_code_id,
        store_and_fwd_flag,
        payment_type,
        payment_type_code,
        payment_type_name,
        is_credit_card,
        pickup_borough,
        dropoff_borough,
        has_coordinates,
        fare_amount,
        extra,
        mta_tax,
        tip_amount,
        tolls_amount,
        improvement_surcharge,
        congestion_surcharge,
        airport_fee,
        total_amount,
        trip_duration_min,
        avg_speed_mph,
        cost_per_mile,
        tip_percentage,
        source_name,
        source_row_number,
        loaded_at
    from validated
    where reject_reason is null
)

select * from final
