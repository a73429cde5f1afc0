{#
    Every bronze row is in exactly one of taxi_trips_cleaned and
    taxi_trips_rejected. Returns one row per source whose counts differ
    or whose row numbers appear in both tables.
#}
with

bronze as (
    select * from {{ ref('taxi_trips_raw') }}
),

cleaned as (
    select * from {{ ref('taxi_trips_cleaned') }}
),

rejected as (
    select * from {{ ref('taxi_trips_rejected') }}
),

bronze_counts as (
    select
        source_name,
        count(*) as bronze_rows
    from bronze
    group by source_name
),

cleaned_counts as (
    select
        source_name,
        count(*) as cleaned_rows
    from cleaned
    group by source_name
),

rejected_counts as (
    select
        source_name,
        count(*) as rejected_rows
    from rejected
    group by source_name
),

in_both as (
    select
        cleaned.source_name,
        count(*) as rows_in_both
    from cleaned
    inner join rejected
        on cleaned.source_name = rejected.source_name
            and cleaned.source_row_number = rejected.source_row_number
    group by cleaned.source_name
),

final as (
    select
        bronze_counts.source_name,
        bronze_counts.bronze_rows,
        coalesce(cleaned_counts.cleaned_rows, 0) as cleaned_rows,
        coalesce(rejected_counts.rejected_rows, 0) as rejected_rows,
        coalesce(in_both.rows_in_both, 0) as rows_in_both
    from bronze_counts
    left join cleaned_counts
        on bronze_counts.source_name = cleaned_counts.source_name
    left join rejected_counts
        on bronze_counts.source_name = rejected_counts.source_name
    left join in_both
        on bronze_counts.source_name = in_both.source_name
)

select * from final
where
    bronze_rows != cleaned_rows + rejected_rows
    or rows_in_both > 0
