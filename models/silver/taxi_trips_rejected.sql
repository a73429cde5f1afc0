{#
    Rejected trips keep the values exactly as bronze received them, so a
    reader can see why a row failed and fix the source.
#}
with

trips as (
    select * from {{ ref('taxi_trips_raw') }}
),

validated as (
    select * from {{ ref('int_taxi_trips_validated') }}
),

rejected as (
    select
        source_name,
        source_row_number,
        trip_id,
        reject_reason
    from validated
    where reject_reason is not null
),

final as (
    select
        rejected.source_name,
        rejected.source_row_number,
        rejected.reject_reason,
        rejected.trip_id,
        {%- for column in tlc_column_aliases() %}
            trips.{{ column }},
        {%- endfor %}
        trips.loaded_at
    from rejected
    inner join trips
        on rejected.source_name = trips.source_name
            and rejected.source_row_number = trips.source_row_number
)

select * from final
