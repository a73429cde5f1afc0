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

taxi_zones as (
    select * from {{ ref('taxi_zones') }}
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

with_lookups as (
    select
        parsed.*,
        payment_types.payment_type_code,
        payment_types.payment_type_name,
        coalesce(payment_types.is_credit_card, false) as is_credit_card,
        pickup_zones.borough as pickup_borough,
        dropoff_zones.borough as dropoff_borough,
        (
            parsed.pickup_longitude is not null
            and parsed.pickup_latitude is not null
            and parsed.dropoff_longitude is not null
            and parsed.dropoff_latitude is not null
        ) as has_coordinates,
        -- 264 (Unknown) and 265 (Outside of NYC) are lookup rows that
        -- name no zone.
        (
            pickup_zones.location_id is not null
            and dropoff_zones.location_id is not null
            and pickup_zones.location_id not in (264, 265)
            and dropoff_zones.location_id not in (264, 265)
        ) as has_known_zones
    from parsed
    left join payment_types
        on parsed.payment_type_key = payment_types.payment_type_raw
    left join taxi_zones as pickup_zones
        on parsed.pickup_location_id = pickup_zones.location_id
    left join taxi_zones as dropoff_zones
        on parsed.dropoff_location_id = dropoff_zones.location_id
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
    from with_lookups
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
            when dropoff_datetime < pickup_datetime
                then 'timestamps_out_of_order'
            when not has_coordinates
                and (pickup_location_id is null or dropoff_location_id is null)
                then 'missing_location'
            when has_coordinates
                and (
                    pickup_longitude = 0 or pickup_latitude = 0
                    or dropoff_longitude = 0 or dropoff_latitude = 0
                )
                then 'zero_coordinate'
            when has_coordinates
                and not (
                    {{ is_in_nyc_area('pickup_longitude', 'pickup_latitude') }}
                    and {{ is_in_nyc_area(
                        'dropoff_longitude', 'dropoff_latitude'
                    ) }}
                )
                then 'outside_nyc_area'
            when not has_coordinates and not has_known_zones
                then 'unknown_location'
            when payment_type is null then 'missing_payment_type'
            when payment_type_code is null then 'unknown_payment_type'
            when trip_distance is null or trip_distance <= 0
                then 'non_positive_distance'
            when fare_amount is null or fare_amount <= 0
                then 'non_positive_fare'
            when tip_amount is null then 'missing_tip_amount'
            when tip_amount < 0 or extra < 0 or mta_tax < 0
                or tolls_amount < 0 or improvement_surcharge < 0
                or congestion_surcharge < 0 or airport_fee < 0
                or total_amount < 0
                then 'negative_amount'
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
