{#
    Use a folder's custom schema name as it is (medallion_bronze, ...)
    instead of dbt's default of prefixing it with the target schema, so
    the layers have the same names on every engine.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
