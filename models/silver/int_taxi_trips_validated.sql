{#
    Every bronze trip, parsed and checked once: typed columns, derived
    columns, the stable trip_id and the first reason (if any) that silver
    rejects it for. taxi_trips_cleaned and taxi_trips_rejected split this
    table on reject_reason, so every bronze row lands in exactly one.
#}
{%- set typed_columns = tlc_typed_columns() -%}

with

trips as (
    select * from {{ ref('taxi_trips_raw') }}
),

payment_types as (
    select * from {{ ref('payment_types') }}
),

parsed as (
    select
        trips.source_name,
        trips.source_row_number,
        trips.loaded_at,
        trips.vendor_id,
        trips.store_and_fwd_flag,
        trips.payment_type,
        {%- for column, data_type in typed_columns.items() %}
            {{ parse_trip_value('trips.' ~ column, data_type) }}
                as {{ column }},
        {%- endfor %}
        -- A value that is present but does not parse is rejected, never
        -- turned into a silent null.
        (
            {%- for column, data_type in typed_columns.items() %}
                {% if not loop.first %}or {% endif -%}
                (
                    trips.{{ column }} is not null
                    and {{ parse_trip_value(
                        'trips.' ~ column, data_type
                    ) }} is null
                )
            {%- endfor %}
        ) as has_unparseable_value,
        -- 2009-2014 files spell payment codes in mixed case and some files
        -- write the 2015+ integer codes as floats (1.0).
        regexp_replace(upper(trips.payment_type), '[.]0+$', '')
            as payment_type_key
    from trips
),

with_payment as (
    select
        parsed.*,
        payment_types.payment_type_code,
        payment_types.payment_type_name,
        coalesce(payment_types.is_credit_card, false) as is_credit_card
    from parsed
    left join payment_types
        on parsed.payment_type_key = payment_types.payment_type_raw
),

derived as (
    select
        *,
        {{ minutes_between('pickup_datetime', 'dropoff_datetime') }}
            as trip_duration_min,
        cast(extract(hour from pickup_datetime) as integer) as pickup_hour,
        {{ day_of_week('pickup_datetime') }} as pickup_day_of_week,
        cast(pickup_datetime as date) as pickup_date,
        md5(
            {{ trip_key_text() }}
        ) as trip_id
    from with_payment
),

with_rates as (
    select
        *,
        case
            when trip_duration_min > 0
                then trip_distance / (trip_duration_min / 60.0)
        end as avg_speed_mph,
        case
            when trip_distance > 0 then fare_amount / trip_distance
        end as cost_per_mile,
        case
            when fare_amount > 0 then 100.0 * tip_amount / fare_amount
        end as tip_percentage,
        row_number() over (
            partition by trip_id
            order by source_name, source_row_number
        ) as trip_copy_number
    from derived
),

checked as (
    select
        *,
        case
            when has_unparseable_value then 'unparseable_value'
            when pickup_datetime is null or dropoff_datetime is null
                then 'missing_timestamp'
            when pickup_longitude is null or pickup_latitude is null
                or dropoff_longitude is null or dropoff_latitude is null
                then 'missing_coordinates'
            when pickup_longitude = 0 or pickup_latitude = 0
                or dropoff_longitude = 0 or dropoff_latitude = 0
                then 'zero_coordinate'
            when payment_type is null then 'missing_payment_type'
            when payment_type_code is null then 'unknown_payment_type'
            when trip_distance is null or trip_distance <= 0
                then 'non_positive_distance'
            when fare_amount is null or fare_amount <= 0
                then 'non_positive_fare'
            when passenger_count is null or passenger_count <= 0
                then 'non_positive_passenger_count'
            when trip_duration_min < {{ var('min_trip_duration_min') }}
                or trip_duration_min > {{ var('max_trip_duration_min') }}
                then 'duration_out_of_range'
            when avg_speed_mph > {{ var('max_avg_speed_mph') }}
                then 'speed_out_of_range'
            when trip_copy_number > 1 then 'duplicate'
        end as reject_reason
    from with_rates
)

select * from checked
