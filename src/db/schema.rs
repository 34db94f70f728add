// Hand-written to match both migrations/sqlite and migrations/postgres.

diesel::table! {
    structures (id) {
        id -> BigInt,
        name -> Text,
        territory -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organisations (id) {
        id -> BigInt,
        structure_id -> BigInt,
        kind -> Text,
        name -> Text,
        identifier_type -> Nullable<Text>,
        identifier -> Nullable<Text>,
        territory -> Nullable<Text>,
        siae_kind -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        structure_id -> BigInt,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        organisation_id -> Nullable<BigInt>,
        funder_scope -> Nullable<Text>,
        display_name -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    login_throttle (email) {
        email -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(organisations -> structures (structure_id));
diesel::joinable!(users -> structures (structure_id));
diesel::joinable!(users -> organisations (organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    structures,
    organisations,
    users,
    app_settings,
    login_throttle
);
