{#
    SQL that DuckDB and Spark SQL spell differently. Each macro has a
    default (DuckDB) and a Spark implementation; dbt-databricks dispatches
    to the Spark one because it declares spark as its parent adapter.
#}

{# Day of week with 1 = Sunday ... 7 = Saturday, Spark's convention. #}
{% macro day_of_week(timestamp_expr) -%}
    {{ return(adapter.dispatch('day_of_week', 'taxi_tips')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__day_of_week(timestamp_expr) -%}
    (dayofweek({{ timestamp_expr }}) + 1)
{%- endmacro %}

{% macro spark__day_of_week(timestamp_expr) -%}
    dayofweek({{ timestamp_expr }})
{%- endmacro %}


{# Minutes from start_expr to end_expr, with seconds as a fraction. #}
{% macro minutes_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('minutes_between', 'taxi_tips')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__minutes_between(start_expr, end_expr) -%}
    (date_diff('second', {{ start_expr }}, {{ end_expr }}) / 60.0)
{%- endmacro %}

{#
    Spark counts epoch seconds in the session time zone; the profile sets
    it to UTC so that a daylight-saving night does not add or remove an hour.
    The cast keeps the result a double as on DuckDB: Spark divides a bigint
    by the literal 60.0 as decimal(27,6).
#}
{% macro spark__minutes_between(start_expr, end_expr) -%}
    (
        cast(
            unix_timestamp({{ end_expr }}) - unix_timestamp({{ start_expr }})
            as double
        ) / 60
    )
{%- endmacro %}


{#
    A bucket in [0, buckets) from the first 32 bits of the MD5 of a string.
    MD5 is the same on every engine, unlike each engine's own hash().
#}
{% macro hash_bucket(string_expr, buckets) -%}
    {{ return(adapter.dispatch('hash_bucket', 'taxi_tips')(string_expr, buckets)) }}
{%- endmacro %}

{% macro default__hash_bucket(string_expr, buckets) -%}
    (cast(('0x' || substr(md5({{ string_expr }}), 1, 8)) as bigint) % {{ buckets }})
{%- endmacro %}

{% macro spark__hash_bucket(string_expr, buckets) -%}
    (cast(conv(substr(md5({{ string_expr }}), 1, 8), 16, 10) as bigint) % {{ buckets }})
{%- endmacro %}


{# A timestamp as 'YYYY-MM-DD HH:MM:SS' text. #}
{% macro format_timestamp(timestamp_expr) -%}
    {{ return(adapter.dispatch('format_timestamp', 'taxi_tips')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__format_timestamp(timestamp_expr) -%}
    strftime({{ timestamp_expr }}, '%Y-%m-%d %H:%M:%S')
{%- endmacro %}

{% macro spark__format_timestamp(timestamp_expr) -%}
    date_format({{ timestamp_expr }}, 'yyyy-MM-dd HH:mm:ss')
{%- endmacro %}


{#
    Round half away from zero on the decimal value. Going through DECIMAL
    makes 40.745 round to 40.75 on both engines; rounding the binary
    double directly gives 40.74 on DuckDB and 40.75 on Spark.
#}
{% macro round_half_up(number_expr, digits) -%}
    {{ return(adapter.dispatch('round_half_up', 'taxi_tips')(number_expr, digits)) }}
{%- endmacro %}

{% macro default__round_half_up(number_expr, digits) -%}
    cast(round(cast({{ number_expr }} as decimal(18, 8)), {{ digits }}) as double)
{%- endmacro %}


{# Cast text to a type, giving null where the text does not parse. #}
{% macro try_cast_as(text_expr, data_type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'taxi_tips')(text_expr, data_type)) }}
{%- endmacro %}

{% macro default__try_cast_as(text_expr, data_type) -%}
    try_cast({{ text_expr }} as {{ data_type }})
{%- endmacro %}


{#
    Parse TLC pickup and dropoff text: ISO 'YYYY-MM-DD HH:MM:SS' as in the
    TLC files, or US 'MM/DD/YYYY HH:MM:SS AM' as in some redistributed
    copies.
#}
{% macro parse_timestamp(text_expr) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'taxi_tips')(text_expr)) }}
{%- endmacro %}

{% macro default__parse_timestamp(text_expr) -%}
    coalesce(
        try_cast({{ text_expr }} as timestamp),
        try_strptime({{ text_expr }}, '%m/%d/%Y %I:%M:%S %p')
    )
{%- endmacro %}

{% macro spark__parse_timestamp(text_expr) -%}
    coalesce(
        try_cast({{ text_expr }} as timestamp),
        try_to_timestamp({{ text_expr }}, 'MM/dd/yyyy h:mm:ss a')
    )
{%- endmacro %}


{# Row number of a row within the relation it was read from. #}
{% macro source_row_number() -%}
    {{ return(adapter.dispatch('source_row_number', 'taxi_tips')()) }}
{%- endmacro %}

{% macro default__source_row_number() -%}
    row_number() over ()
{%- endmacro %}

{#
    NOTE: Spark has no unordered row_number(); this id is unique within
    one read but not consecutive.
#}
{% macro spark__source_row_number() -%}
    (monotonically_increasing_id() + 1)
{%- endmacro %}
