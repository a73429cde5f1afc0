{#
    The canonical trip columns and the names each TLC era used for them,
    from the TLC's published yellow-taxi data dictionaries and file
    headers (2009, 2010-2014, 2015-2016, 2016-07 on) and the snake_case
    renamed copies. Names match case-insensitively.
#}
{% macro tlc_column_aliases() -%}
    {{ return({
        'vendor_id': ['vendorid', 'vendor_id', 'vendor_name'],
        'pickup_datetime': [
            'tpep_pickup_datetime', 'pickup_datetime', 'trip_pickup_datetime'
        ],
        'dropoff_datetime': [
            'tpep_dropoff_datetime', 'dropoff_datetime', 'trip_dropoff_datetime'
        ],
        'passenger_count': ['passenger_count'],
        'trip_distance': ['trip_distance'],
        'pickup_longitude': ['pickup_longitude', 'start_lon'],
        'pickup_latitude': ['pickup_latitude', 'start_lat'],
        'dropoff_longitude': ['dropoff_longitude', 'end_lon'],
        'dropoff_latitude': ['dropoff_latitude', 'end_lat'],
        'pickup_location_id': ['pulocationid', 'pickup_location_id'],
        'dropoff_location_id': ['dolocationid', 'dropoff_location_id'],
        'rate_code_id': ['ratecodeid', 'rate_code', 'rate_code_id'],
        'store_and_fwd_flag': ['store_and_fwd_flag', 'store_and_forward'],
        'payment_type': ['payment_type'],
        'fare_amount': ['fare_amount', 'fare_amt'],
        'extra': ['extra', 'surcharge'],
        'mta_tax': ['mta_tax'],
        'tip_amount': ['tip_amount', 'tip_amt'],
        'tolls_amount': ['tolls_amount', 'tolls_amt'],
        'improvement_surcharge': ['improvement_surcharge'],
        'congestion_surcharge': ['congestion_surcharge'],
        'airport_fee': ['airport_fee'],
        'total_amount': ['total_amount', 'total_amt'],
    }) }}
{%- endmacro %}


{#
    Types that silver parses the canonical text columns into. Columns not
    listed here (vendor_id, store_and_fwd_flag, payment_type) stay text.
#}
{% macro tlc_typed_columns() -%}
    {{ return({
        'pickup_datetime': 'timestamp',
        'dropoff_datetime': 'timestamp',
        'passenger_count': 'integer',
        'trip_distance': 'double',
        'pickup_longitude': 'double',
        'pickup_latitude': 'double',
        'dropoff_longitude': 'double',
        'dropoff_latitude': 'double',
        'pickup_location_id': 'integer',
        'dropoff_location_id': 'integer',
        'rate_code_id': 'integer',
        'fare_amount': 'double',
        'extra': 'double',
        'mta_tax': 'double',
        'tip_amount': 'double',
        'tolls_amount': 'double',
        'improvement_surcharge': 'double',
        'congestion_surcharge': 'double',
        'airport_fee': 'double',
        'total_amount': 'double',
    }) }}
{%- endmacro %}


{#
    Select the canonical trip columns, as trimmed text, from a relation or
    table function whose columns are column_names. Every source name that
    an era used for a canonical column is tried, first non-empty value
    first, so input that mixes eras maps row by row. A canonical column
    the input lacks, and an empty field, are null.
#}
{% macro select_canonical_trip_columns(
    from_expression, column_names, source_name_expression, row_number_expression
) -%}
    {%- set present = {} -%}
    {%- for name in column_names -%}
        {%- do present.update({name | trim | lower: name}) -%}
    {%- endfor -%}
    select
    {%- for canonical, aliases in tlc_column_aliases().items() %}
        {%- set matches = aliases | select('in', present) | list %}
        {%- if matches | length == 1 %}
        {{ trimmed_text(present[matches[0]]) }} as {{ canonical }},
        {%- elif matches %}
        coalesce(
            {%- for alias in matches %}
            {{ trimmed_text(present[alias]) }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as {{ canonical }},
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as {{ canonical }},
        {%- endif %}
    {%- endfor %}
        {{ source_name_expression }} as source_name,
        {{ row_number_expression }} as source_row_number
    from {{ from_expression }}
{%- endmacro %}


{# A column as trimmed text, with an empty value as null. #}
{% macro trimmed_text(column_name) -%}
    nullif(trim(cast({{ adapter.quote(column_name) }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{# Column names of a relation, or an empty list while dbt parses. #}
{% macro relation_column_names(relation) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(column.name) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}


{#
    Parse one canonical text column into its type, null where it fails.
    A timestamp with a time zone offset or name fails, because TLC times
    are New York local time and an offset would shift the hour silently.
    A number fails unless finite and below 1e9 in size (NaN, inf and
    overflowing values cannot be a fare or a coordinate), and an integer
    column also fails on a fraction, since 1.5 passengers is not a count.
#}
{% macro parse_trip_value(text_expr, data_type) -%}
    {%- if data_type == 'timestamp' -%}
        case
            when regexp_extract(
                {{ text_expr }},
                '([+-][0-9]{2}(:?[0-9]{2})?|[Zz]|[A-Za-z]{3})$',
                0
            ) = ''
                then {{ parse_timestamp(text_expr) }}
        end
    {%- else -%}
        {%- set number = try_cast_as(text_expr, 'double') -%}
        {%- if data_type == 'integer' -%}
        {#- TLC files write some integer codes as floats, such as 1.0. -#}
        case
            when abs({{ number }}) < 1e9
                and {{ number }} = floor({{ number }})
                then cast({{ number }} as integer)
        end
        {%- else -%}
        case
            when abs({{ number }}) < 1e9 then {{ number }}
        end
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#
    Text that identifies a trip by its content, for trip_id. Amounts and
    coordinates enter as integers in millionths, timestamps as formatted
    text, so that DuckDB and Spark build the same string from the same
    values. Two rows with the same key are exact duplicates.
#}
{% macro trip_key_text() -%}
    concat_ws(
        '|',
        {%- for column, data_type in tlc_typed_columns().items() %}
        {%- if data_type == 'timestamp' %}
        coalesce({{ format_timestamp(column) }}, ''),
        {%- elif data_type == 'integer' %}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), ''),
        {%- else %}
        coalesce(
            cast(cast(round({{ column }} * 1000000) as bigint) as {{ dbt.type_string() }}),
            ''
        ),
        {%- endif %}
        {%- endfor %}
        coalesce(vendor_id, ''),
        coalesce(store_and_fwd_flag, ''),
        coalesce(payment_type_key, '')
    )
{%- endmacro %}


{# True when a point is inside the nyc_area bounding box var. #}
{% macro is_in_nyc_area(longitude, latitude) -%}
    {%- set area = var('nyc_area') -%}
    ({{ longitude }} between {{ area['min_longitude'] }} and {{ area['max_longitude'] }}
    and {{ latitude }} between {{ area['min_latitude'] }} and {{ area['max_latitude'] }})
{%- endmacro %}
