// Hand-written to match both migrations/sqlite and migrations/postgres.

diesel::table! {
    /// Bumped by triggers on every write to a table the report reads (app::report_cache).
    data_version (slot) {
        slot -> Integer,
        changes -> BigInt,
        hours_people_changes -> BigInt,
    }
}

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
        version -> BigInt,
        ess -> Bool,
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
        optional_reminders_off -> Bool,
        created_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    password_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (email_digest) {
        email_digest -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    organisation_contacts (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        email -> Text,
        name -> Nullable<Text>,
    }
}

diesel::table! {
    labour_shares (id) {
        id -> BigInt,
        structure_id -> BigInt,
        cpv_prefix -> Text,
        share_bp -> BigInt,
        label -> Text,
    }
}

diesel::table! {
    contracts (id) {
        id -> BigInt,
        structure_id -> BigInt,
        buyer_id -> BigInt,
        reference -> Text,
        title -> Text,
        kind -> Text,
        cpv_code -> Nullable<Text>,
        amount_cents -> Nullable<BigInt>,
        notified_on -> Nullable<Date>,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        duration_months -> Nullable<Integer>,
        social_considerations -> Text,
        environmental_considerations -> Text,
        source -> Text,
        fingerprint -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    contract_amendments (id) {
        id -> BigInt,
        structure_id -> BigInt,
        contract_id -> BigInt,
        number -> Text,
        signed_on -> Date,
        amount_cents -> Nullable<BigInt>,
        ends_on -> Nullable<Date>,
        duration_months -> Nullable<Integer>,
        reason -> Nullable<Text>,
        source -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contract_lots (id) {
        id -> BigInt,
        contract_id -> BigInt,
        number -> Integer,
        title -> Text,
        amount_cents -> Nullable<BigInt>,
        cpv_code -> Nullable<Text>,
    }
}

diesel::table! {
    contract_holders (contract_id,organisation_id) {
        contract_id -> BigInt,
        organisation_id -> BigInt,
    }
}

diesel::table! {
    clauses (id) {
        id -> BigInt,
        structure_id -> BigInt,
        contract_id -> BigInt,
        lot_number -> Nullable<Integer>,
        kind -> Text,
        status -> Text,
        method -> Text,
        calibration -> Text,
        explanation -> Text,
        computed_hours -> BigInt,
        hours_override -> Nullable<BigInt>,
        override_justification -> Nullable<Text>,
        required_hours -> BigInt,
        starts_on -> Date,
        ends_on -> Date,
        reporting_frequency -> Text,
        penalty_per_hour_cents -> Nullable<BigInt>,
        referent_id -> Nullable<BigInt>,
        territory -> Text,
        time_zone -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        legal_basis -> Nullable<Text>,
        weighting_percent -> Nullable<Integer>,
        committed_hours -> Nullable<BigInt>,
        target_persons -> Nullable<Integer>,
        hour_target -> Bool,
    }
}

diesel::table! {
    assignments (id) {
        id -> BigInt,
        structure_id -> BigInt,
        clause_id -> BigInt,
        contractor_id -> BigInt,
        role -> Text,
        hours_target -> BigInt,
        created_at -> Timestamp,
        version -> BigInt,
        ends_on -> Nullable<Date>,
    }
}

diesel::table! {
    participants (id) {
        id -> BigInt,
        structure_id -> BigInt,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        birth_year -> Integer,
        sex -> Text,
        postal_code -> Nullable<Text>,
        territory -> Nullable<Text>,
        qpv -> Bool,
        zrr -> Bool,
        qualification_level -> Text,
        jobseeker_id -> Nullable<Text>,
        looking_for_work -> Bool,
        wished_rome_codes -> Text,
        licences -> Text,
        reachable_departements -> Text,
        available_from -> Nullable<Date>,
        last_activity_on -> Date,
        anonymised_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        last_name_key -> Nullable<Text>,
        first_name_key -> Nullable<Text>,
    }
}

diesel::table! {
    eligibility_validations (id) {
        id -> BigInt,
        structure_id -> BigInt,
        participant_id -> BigInt,
        criteria -> Text,
        proof -> Text,
        justification -> Nullable<Text>,
        validated_by -> BigInt,
        validated_on -> Date,
        valid_until -> Date,
        created_at -> Timestamp,
        version -> BigInt,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_by -> Nullable<BigInt>,
        withdraw_reason -> Nullable<Text>,
    }
}

diesel::table! {
    placements (id) {
        id -> BigInt,
        structure_id -> BigInt,
        participant_id -> BigInt,
        assignment_id -> BigInt,
        clause_id -> BigInt,
        contractor_id -> BigInt,
        employer_id -> BigInt,
        modality -> Text,
        contract_type -> Text,
        job_title -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        weekly_hours -> BigInt,
        derogation_reason -> Nullable<Text>,
        eligibility_id -> Nullable<BigInt>,
        age_band -> Text,
        sex -> Text,
        qualification_level -> Text,
        qpv -> Bool,
        criteria -> Text,
        territory -> Text,
        buyer_id -> BigInt,
        clause_kind -> Text,
        sector -> Text,
        exit_on -> Nullable<Date>,
        exit_outcome -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
        version -> BigInt,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        structure_id -> BigInt,
        user_id -> Nullable<BigInt>,
        at -> Timestamp,
        action -> Text,
        entity -> Text,
        entity_id -> BigInt,
        detail -> Text,
    }
}

diesel::table! {
    hour_entries (id) {
        id -> BigInt,
        structure_id -> BigInt,
        placement_id -> BigInt,
        participant_id -> BigInt,
        month -> Text,
        work_hours -> BigInt,
        training_hours -> BigInt,
        status -> Text,
        validated_work -> Nullable<BigInt>,
        validated_training -> Nullable<BigInt>,
        amendment_reason -> Nullable<Text>,
        rejection_reason -> Nullable<Text>,
        submitted_by -> BigInt,
        submitted_at -> Timestamp,
        validated_by -> Nullable<BigInt>,
        validated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    hour_entry_changes (id) {
        id -> BigInt,
        entry_id -> BigInt,
        at -> Timestamp,
        user_id -> BigInt,
        action -> Text,
        before_value -> Nullable<Text>,
        after_value -> Text,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    assignment_month_totals (assignment_id,month) {
        assignment_id -> BigInt,
        month -> Text,
        validated -> BigInt,
        pending -> BigInt,
        pending_entries -> BigInt,
        reported_entries -> BigInt,
    }
}

diesel::table! {
    placement_year_totals (placement_id, year) {
        placement_id -> BigInt,
        year -> Integer,
        structure_id -> BigInt,
        work -> BigInt,
        training -> BigInt,
        participant_id -> BigInt,
        starts_on -> Date,
        sex -> Text,
        age_band -> Text,
        criteria -> Text,
        qualification_level -> Text,
        qpv -> Bool,
        modality -> Text,
        contract_type -> Text,
        sector -> Text,
        buyer_id -> BigInt,
        contractor_id -> BigInt,
        clause_kind -> Text,
        territory -> Text,
        written_by -> BigInt,
    }
}

diesel::table! {
    clause_years (year, assignment_id, clause_id) {
        year -> Integer,
        assignment_id -> BigInt,
        clause_id -> BigInt,
        contractor_id -> BigInt,
        structure_id -> BigInt,
        contract_id -> BigInt,
        territory -> Text,
        kind -> Text,
        starts_on -> Date,
        ends_on -> Date,
        first_year -> Integer,
        hours -> BigInt,
        prorated -> BigInt,
    }
}

diesel::table! {
    contract_years (year, contract_id) {
        year -> Integer,
        contract_id -> BigInt,
        structure_id -> BigInt,
        buyer_id -> BigInt,
        notified_on -> Date,
        social -> Bool,
        environmental -> Bool,
    }
}

diesel::table! {
    milestones (id) {
        id -> BigInt,
        structure_id -> BigInt,
        clause_id -> BigInt,
        kind -> Text,
        period -> Text,
        due_on -> Date,
        manual -> Bool,
        label -> Nullable<Text>,
        done_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        structure_id -> BigInt,
        dedup_key -> Text,
        rule -> Text,
        subject_type -> Text,
        subject_id -> BigInt,
        period -> Text,
        stage -> Text,
        recipient_email -> Text,
        recipient_user_id -> Nullable<BigInt>,
        subject_line -> Text,
        body_text -> Text,
        body_html -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    needs (id) {
        id -> BigInt,
        structure_id -> BigInt,
        assignment_id -> BigInt,
        job_title -> Text,
        rome_code -> Nullable<Text>,
        posts -> Integer,
        commune_code -> Text,
        territory -> Text,
        starts_on -> Date,
        weekly_hours -> BigInt,
        duration_months -> Nullable<Integer>,
        licences -> Text,
        modality -> Text,
        employer_id -> BigInt,
        contract_type -> Text,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    referrals (id) {
        id -> BigInt,
        structure_id -> BigInt,
        need_id -> BigInt,
        participant_id -> BigInt,
        state -> Text,
        reason -> Nullable<Text>,
        comment -> Nullable<Text>,
        placement_id -> Nullable<BigInt>,
        proposed_by -> BigInt,
        proposed_at -> Timestamp,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    referral_events (id) {
        id -> BigInt,
        referral_id -> BigInt,
        state -> Text,
        reason -> Nullable<Text>,
        comment -> Nullable<Text>,
        user_id -> BigInt,
        at -> Timestamp,
    }
}

diesel::table! {
    record_changes (id) {
        id -> BigInt,
        structure_id -> BigInt,
        entity -> Text,
        entity_id -> BigInt,
        at -> Timestamp,
        user_id -> Nullable<BigInt>,
        action -> Text,
        reason -> Nullable<Text>,
        changes -> Text,
    }
}

diesel::table! {
    buyer_clause_thresholds (buyer_id) {
        buyer_id -> BigInt,
        structure_id -> BigInt,
        threshold_cents -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    structure_calibration_settings (structure_id) {
        structure_id -> BigInt,
        insertion_rate_bp -> BigInt,
        hourly_cost_cents -> BigInt,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> BigInt,
        structure_id -> BigInt,
        placement_id -> BigInt,
        participant_id -> BigInt,
        months -> BigInt,
        situation -> Text,
        observed_on -> Date,
        source -> Text,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::joinable!(organisations -> structures (structure_id));
diesel::joinable!(users -> structures (structure_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(password_tokens -> users (user_id));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(contracts -> structures (structure_id));
diesel::joinable!(clauses -> contracts (contract_id));
diesel::joinable!(assignments -> clauses (clause_id));
diesel::joinable!(placements -> participants (participant_id));
diesel::joinable!(placements -> assignments (assignment_id));
diesel::joinable!(hour_entries -> placements (placement_id));
diesel::joinable!(placement_year_totals -> placements (placement_id));
diesel::joinable!(eligibility_validations -> participants (participant_id));
diesel::joinable!(referrals -> needs (need_id));
diesel::joinable!(needs -> assignments (assignment_id));
diesel::joinable!(follow_ups -> placements (placement_id));

diesel::allow_tables_to_appear_in_same_query!(
    structures,
    organisations,
    users,
    record_changes,
    contract_amendments,
    app_settings,
    login_throttle,
    sessions,
    password_tokens,
    organisation_contacts,
    labour_shares,
    contracts,
    contract_lots,
    contract_holders,
    clauses,
    assignments,
    participants,
    eligibility_validations,
    placements,
    audit_log,
    hour_entries,
    hour_entry_changes,
    assignment_month_totals,
    placement_year_totals,
    clause_years,
    contract_years,
    milestones,
    outbox,
    needs,
    referrals,
    referral_events,
    buyer_clause_thresholds,
    structure_calibration_settings,
    follow_ups,
);
