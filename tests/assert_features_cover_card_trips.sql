{#
    taxi_tip_features holds exactly the cleaned credit-card trips whose tip
    is within [min_tip_amount, max_tip_amount]; no other trip leaves.
    Returns one row if the counts differ.
#}
with

cleaned as (
    select * from {{ ref('taxi_trips_cleaned') }}
),

features as (
    select * from {{ ref('taxi_tip_features') }}
),

expected as (
    select count(*) as expected_rows
    from cleaned
    where
        is_credit_card
        and tip_amount between {{ var('min_tip_amount') }}
        and {{ var('max_tip_amount') }}
),

actual as (
    select count(*) as feature_rows from features
)

select
    expected.expected_rows,
    actual.feature_rows
from expected
cross join actual
where expected.expected_rows != actual.feature_rows
