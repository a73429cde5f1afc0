with

features as (
    select * from {{ ref('taxi_tip_features') }}
),

final as (
    select * from features
    where
        {{ hash_bucket('trip_id', 100) }}
        < {{ var('test_split_percent') }}
)

select * from final
