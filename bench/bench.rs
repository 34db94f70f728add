//! The benchmark client: logs in against a running clausier and measures one thing.
//!
//!   clausier-bench token  --base URL --email E --password P
//!   clausier-bench report --base URL --email E --password P --query "year=2025" [--n 40] [--gzip yes]
//!   clausier-bench import --base URL --email E --password P --year 2026 [--months 10] [--variant K] [--dry-run yes]
//!   clausier-bench hostile --base URL --token T --kind far-cell|blanks|huge-string|many-parts|heavy-strings [--parallel 3]
//!   clausier-bench login-flood --base URL [--n 100]
//!   clausier-bench report-cold --base URL --token T --writer W --query "year=2025" [--n 10]
//!   clausier-bench raw-report --url DB --year 2025 [--n 10]
//!   clausier-bench raw-copy --base URL --email E --password P --url PG --year 2026 [--months 10]
//!   clausier-bench pages --base URL --token T --paths "/contractor,/validation" [--n 200] [--clients 4]
//!
//! `report` prints p50/p95/max latency of sequential annual-report requests (with `--gzip
//! yes`, asking for a gzip answer and inflating it within the time, as a browser does); `import` fills
//! the contractor's hours template (every open placement, `--months` months) and posts it as
//! one CSV, printing rows per second (with `--dry-run yes`, the same import rolled back: the
//! import's whole work, stored nothing, as `raw-copy` rolls back). `hostile` builds one of the hostile workbooks of issue 13
//! and uploads it `--parallel` times at once, printing the answers; `login-flood` sends `--n`
//! logins with unknown emails at once; `pages` GETs each page `--n` times from `--clients`
//! threads and prints p50/p95/p99 per page ("page not served" for a 404). bench/run.sh drives it, with wrk for throughput, and
//! reads the server's peak memory around each case. `report` says how many answers came
//! from the report cache (`X-Cache: hit`); `report-cold` validates one entry (as `--writer`)
//! before each timed report, so each is computed; `raw-report` times the raw one-pass SQL
//! over a year (the yardstick of issue 21); `raw-copy` times a raw `COPY` of the rows
//! `import` would send plus their history, rolled back (the database's own rate). Instead of `--email` and `--password`,
//! `--token` gives a token already obtained (so that no password hash runs during a case).

use std::collections::HashMap;
use std::io::Read;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn flags(args: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let (Some(name), Some(v)) = (a.strip_prefix("--"), it.next()) {
            out.insert(name.to_string(), v.clone());
        }
    }
    out
}

fn login(base: &str, email: &str, password: &str) -> Result<String, String> {
    let body: serde_json::Value = ureq::post(&format!("{base}/api/v1/auth/login"))
        .send_json(serde_json::json!({"email": email, "password": password}))
        .map_err(|e| format!("login: {e}"))?
        .into_json()
        .map_err(|e| format!("login: {e}"))?;
    body["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "login: no token".to_string())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn report(base: &str, token: &str, query: &str, n: usize, gzip: bool) -> Result<(), String> {
    let url = format!("{base}/api/v1/reports/annual?{query}");
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let hits = std::cell::Cell::new(0usize);
    let get = || -> Result<(f64, serde_json::Value), String> {
        let t = Instant::now();
        let mut req = agent
            .get(&url)
            .set("Authorization", &format!("Bearer {token}"));
        if gzip {
            req = req.set("Accept-Encoding", "gzip");
        }
        let resp = req.call().map_err(|e| format!("report: {e}"))?;
        if resp.header("X-Cache") == Some("hit") {
            hits.set(hits.get() + 1);
        }
        let compressed = resp.header("Content-Encoding") == Some("gzip");
        if compressed != gzip {
            return Err(format!(
                "report: asked gzip={gzip}, answered gzip={compressed}"
            ));
        }
        // The endpoint's time is until the whole body is received (and inflated, when
        // compressed); reading the JSON into a tree afterwards is the client's own work (a
        // national report is about 2 MB).
        let text = if gzip {
            let mut text = String::new();
            flate2::read::GzDecoder::new(resp.into_reader())
                .read_to_string(&mut text)
                .map_err(|e| format!("report: {e}"))?;
            text
        } else {
            resp.into_string().map_err(|e| format!("report: {e}"))?
        };
        let took = t.elapsed().as_secs_f64() * 1000.0;
        let body: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("report: {e}"))?;
        Ok((took, body))
    };
    let (first, body) = get()?;
    for _ in 0..2 {
        get()?;
    }
    hits.set(0);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        times.push(get()?.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "report {query}{}: first={first:.1}ms, then n={n} p50={:.1}ms p95={:.1}ms max={:.1}ms (X-Cache hit {}/{n}) hours={} beneficiaries={}",
        if gzip { " (gzip)" } else { "" },
        percentile(&times, 50.0),
        percentile(&times, 95.0),
        times.last().copied().unwrap_or(0.0),
        hits.get(),
        body["hours"],
        body["beneficiaries"]
    );
    Ok(())
}

/// The report cold: `n` times, one submitted entry validated by `writer` (the data version
/// moves), then the report timed (its first request after the validation).
fn report_cold(
    base: &str,
    reader: &str,
    writer: &str,
    query: &str,
    n: usize,
) -> Result<(), String> {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build();
    let waiting: serde_json::Value = agent
        .get(&format!("{base}/api/v1/hours?status=submitted&limit={n}"))
        .set("Authorization", &format!("Bearer {writer}"))
        .call()
        .map_err(|e| format!("submitted entries: {e}"))?
        .into_json()
        .map_err(|e| format!("submitted entries: {e}"))?;
    let ids: Vec<i64> = waiting["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["id"].as_i64()).collect())
        .unwrap_or_default();
    if ids.len() < n {
        return Err(format!(
            "report-cold: {} submitted entries, {n} needed",
            ids.len()
        ));
    }
    let url = format!("{base}/api/v1/reports/annual?{query}");
    let mut times = Vec::with_capacity(n);
    let mut misses = 0;
    for id in ids {
        agent
            .post(&format!("{base}/api/v1/hours/validation"))
            .set("Authorization", &format!("Bearer {writer}"))
            .send_json(serde_json::json!({"entry_ids": [id], "decision": "validate"}))
            .map_err(|e| format!("validation: {e}"))?;
        let t = Instant::now();
        let resp = agent
            .get(&url)
            .set("Authorization", &format!("Bearer {reader}"))
            .call()
            .map_err(|e| format!("report: {e}"))?;
        if resp.header("X-Cache") == Some("miss") {
            misses += 1;
        }
        resp.into_string().map_err(|e| format!("report: {e}"))?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "report cold {query} (each after a validation): n={n} p50={:.1}ms p95={:.1}ms max={:.1}ms (X-Cache miss {misses}/{n})",
        percentile(&times, 50.0),
        percentile(&times, 95.0),
        times.last().copied().unwrap_or(0.0),
    );
    Ok(())
}

/// The raw one-pass query of issue 21 over the database at `url` (sqlite://… or
/// postgres://…): the validated figures of `year` summed per placement, joined to the
/// placement's attributes, output discarded; `n` runs after one warm-up, p50 printed.
fn raw_report(url: &str, year: i32, n: usize) -> Result<(), String> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let sql = format!(
        "SELECT p.id, p.structure_id, p.participant_id, p.contractor_id, p.buyer_id, \
         p.clause_kind, p.sector, p.territory, p.modality, p.contract_type, p.age_band, p.sex, \
         p.qualification_level, p.qpv, p.criteria, p.exit_outcome, e.work, e.training \
         FROM (SELECT placement_id, SUM(validated_work) AS work, SUM(validated_training) AS training \
               FROM hour_entries WHERE month >= '{year}-01' AND month <= '{year}-12' \
               AND validated_work IS NOT NULL GROUP BY placement_id) e \
         JOIN placements p ON p.id = e.placement_id"
    );
    let mut run: Box<dyn FnMut() -> Result<(), String>> =
        if let Some(path) = url.strip_prefix("sqlite://") {
            let mut c = diesel::SqliteConnection::establish(path).map_err(|e| e.to_string())?;
            Box::new(move || c.batch_execute(&sql).map_err(|e| e.to_string()))
        } else {
            let mut c = diesel::PgConnection::establish(url).map_err(|e| e.to_string())?;
            Box::new(move || c.batch_execute(&sql).map_err(|e| e.to_string()))
        };
    run()?;
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        run()?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "raw one-pass query {year}: n={n} p50={:.1}ms p95={:.1}ms",
        percentile(&times, 50.0),
        percentile(&times, 95.0)
    );
    Ok(())
}

/// The database's own rate for the import's rows (PostgreSQL): in one transaction, a raw
/// `COPY` of the entries `import` would send (same placements, months and figures) and one
/// `INSERT … SELECT` of their history rows; timed, then rolled back. Run it before the
/// first import (the entries must not exist yet).
fn raw_copy(base: &str, token: &str, url: &str, year: i32, months: u32) -> Result<(), String> {
    use clausier::db::schema::hour_entries as he;
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, ExecuteCopyFromDsl, ExpressionMethods, RunQueryDsl};
    let template = ureq::get(&format!(
        "{base}/api/v1/hours/template?month={year}-01&format=csv&dialect=standard"
    ))
    .set("Authorization", &format!("Bearer {token}"))
    .call()
    .map_err(|e| format!("template: {e}"))?
    .into_string()
    .map_err(|e| format!("template: {e}"))?;
    let me: serde_json::Value = ureq::get(&format!("{base}/api/v1/me"))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .map_err(|e| format!("me: {e}"))?
        .into_json()
        .map_err(|e| format!("me: {e}"))?;
    let user = me["id"].as_i64().ok_or("me: no id")?;
    let ids: Vec<i64> = template
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.parse().ok())
        .collect();
    let mut c = diesel::PgConnection::establish(url).map_err(|e| e.to_string())?;
    #[derive(diesel::QueryableByName)]
    struct Of {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        structure_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        participant_id: i64,
    }
    let of: HashMap<i64, (i64, i64)> = diesel::sql_query(
        "SELECT id, structure_id, participant_id FROM placements WHERE id = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&ids)
    .load::<Of>(&mut c)
    .map_err(|e| e.to_string())?
    .into_iter()
    .map(|o| (o.id, (o.structure_id, o.participant_id)))
    .collect();
    let mut rows_of = Vec::new();
    let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or("date")?;
    for (i, id) in ids.iter().enumerate() {
        let Some((structure, participant)) = of.get(id) else {
            continue;
        };
        for m in 1..=months {
            rows_of.push((
                he::structure_id.eq(*structure),
                he::placement_id.eq(*id),
                he::participant_id.eq(*participant),
                he::month.eq(format!("{year}-{m:02}")),
                he::work_hours.eq(((100 + i % 50) * 100) as i64),
                he::training_hours.eq((i % 100) as i64),
                he::status.eq("submitted"),
                he::submitted_by.eq(user),
                he::submitted_at.eq(at),
            ));
        }
    }
    let rows = rows_of.len();
    c.batch_execute("BEGIN").map_err(|e| e.to_string())?;
    let t = Instant::now();
    let before: i64 = {
        #[derive(diesel::QueryableByName)]
        struct Max {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        diesel::sql_query("SELECT COALESCE(MAX(id), 0) AS id FROM hour_entries")
            .get_result::<Max>(&mut c)
            .map_err(|e| e.to_string())?
            .id
    };
    diesel::copy_from(he::table)
        .from_insertable(rows_of)
        .execute(&mut c)
        .map_err(|e| format!("copy: {e}"))?;
    let copied = t.elapsed().as_secs_f64();
    let history = diesel::sql_query(
        "INSERT INTO hour_entry_changes (entry_id, at, user_id, action, after_value) \
         SELECT id, submitted_at, submitted_by, 'submit', \
         '{\"id\":' || id || ',\"work_hours\":' || work_hours || ',\"training_hours\":' \
         || training_hours || ',\"status\":\"submitted\"}' FROM hour_entries WHERE id > $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(before)
    .execute(&mut c)
    .map_err(|e| format!("history: {e}"))?;
    let secs = t.elapsed().as_secs_f64();
    c.batch_execute("ROLLBACK").map_err(|e| e.to_string())?;
    println!(
        "raw-copy: rows={rows} history={history} seconds={secs:.2} rows_per_second={:.0} copy_seconds={copied:.2} history_seconds={:.2} (COPY + INSERT … SELECT in one transaction, rolled back)",
        rows as f64 / secs,
        secs - copied
    );
    Ok(())
}

fn import(
    base: &str,
    token: &str,
    year: i32,
    months: u32,
    variant: usize,
    dry_run: bool,
) -> Result<(), String> {
    let template = ureq::get(&format!(
        "{base}/api/v1/hours/template?month={year}-01&format=csv&dialect=standard"
    ))
    .set("Authorization", &format!("Bearer {token}"))
    .call()
    .map_err(|e| format!("template: {e}"))?
    .into_string()
    .map_err(|e| format!("template: {e}"))?;
    let ids: Vec<&str> = template
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    let mut csv = String::from("placement_id,month,work_hours,training_hours\n");
    let mut rows = 0;
    for (i, id) in ids.iter().enumerate() {
        for m in 1..=months {
            csv.push_str(&format!(
                "{id},{year}-{m:02},{}.{:02},\n",
                100 + (i + variant) % 50,
                i % 100
            ));
            rows += 1;
        }
    }
    let t = Instant::now();
    let resp = ureq::post(&format!("{base}/api/v1/hours/import?dry_run={dry_run}"))
        .set("Authorization", &format!("Bearer {token}"))
        .set("Content-Type", "text/csv")
        .timeout(Duration::from_secs(600))
        .send_string(&csv);
    let secs = t.elapsed().as_secs_f64();
    let body: serde_json::Value = match resp {
        Ok(r) => r.into_json().map_err(|e| format!("import: {e}"))?,
        Err(ureq::Error::Status(code, r)) => {
            return Err(format!(
                "import: {code} {}",
                r.into_string()
                    .unwrap_or_default()
                    .chars()
                    .take(400)
                    .collect::<String>()
            ))
        }
        Err(e) => return Err(format!("import: {e}")),
    };
    println!(
        "import{}: rows={rows} seconds={secs:.2} rows_per_second={:.0} accepted={} unchanged={}",
        if dry_run {
            " (dry run, rolled back)"
        } else {
            ""
        },
        rows as f64 / secs,
        body["accepted"],
        body["unchanged"]
    );
    Ok(())
}

/// The status and body of a request that may be refused.
fn answer(result: Result<ureq::Response, ureq::Error>) -> (u16, String) {
    match result {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    }
}

/// Statuses with their counts, in order: "422x3" or "401x66 503x34".
fn tally(statuses: &[u16]) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for s in statuses {
        *counts.entry(*s).or_insert(0) += 1;
    }
    counts
        .iter()
        .map(|(s, n)| format!("{s}x{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn hostile(base: &str, token: &str, kind: &str, parallel: usize) -> Result<(), String> {
    use clausier::xlsx_samples as samples;
    let bytes = match kind {
        "far-cell" => samples::far_cell(),
        "blanks" => samples::blank_sheet(1 << 30),
        "huge-string" => samples::huge_shared_string(1 << 30),
        "many-parts" => samples::many_parts(235_000),
        "heavy-strings" => samples::many_strings(500_000, 16),
        other => return Err(format!("hostile: unknown kind {other}")),
    }
    .map_err(|e| format!("hostile: {e}"))?;
    let bytes = std::sync::Arc::new(bytes);
    let parallel = parallel.max(1);
    let t = Instant::now();
    let sends: Vec<_> = (0..parallel)
        .map(|_| {
            let (url, auth, bytes) = (
                format!("{base}/api/v1/hours/import"),
                format!("Bearer {token}"),
                bytes.clone(),
            );
            std::thread::spawn(move || {
                answer(
                    ureq::post(&url)
                        .set("Authorization", &auth)
                        .set(
                            "Content-Type",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        )
                        .timeout(Duration::from_secs(600))
                        .send_bytes(&bytes),
                )
            })
        })
        .collect();
    let answers: Vec<(u16, String)> = sends
        .into_iter()
        .map(|h| h.join().unwrap_or((0, "client thread failed".into())))
        .collect();
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    let first = answers.first().map(|a| a.1.as_str()).unwrap_or_default();
    let body: serde_json::Value = serde_json::from_str(first).unwrap_or_default();
    println!(
        "hostile {kind}: {} KB x{parallel} at once -> {} in {:.2}s: {}",
        bytes.len() / 1024,
        tally(&statuses),
        t.elapsed().as_secs_f64(),
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or(first)
            .chars()
            .take(90)
            .collect::<String>()
    );
    Ok(())
}

/// Latencies of GETs of pages: `clients` threads share `n` requests to each path, one path
/// after the other, with the caller's token; prints p50/p95/p99 per page. A page the server
/// does not serve (404, e.g. before the pages are merged) prints "page not served" and does
/// not fail the run; any other refusal does.
fn pages(base: &str, token: &str, paths: &str, n: usize, clients: usize) -> Result<(), String> {
    let clients = clients.max(1);
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let auth = format!("Bearer {token}");
    let get = |url: &str| -> (u16, f64) {
        let t = Instant::now();
        let (status, _) = answer(
            agent
                .get(url)
                .set("Authorization", &auth)
                .set("Accept", "text/html")
                .call(),
        );
        (status, t.elapsed().as_secs_f64() * 1000.0)
    };
    for path in paths.split(',').filter(|p| !p.is_empty()) {
        let url = format!("{base}{path}");
        match get(&url).0 {
            200 => {}
            404 => {
                println!("page {path}: page not served (404)");
                continue;
            }
            other => return Err(format!("page {path}: answered {other}")),
        }
        // Warm-up, then the measured requests shared by the clients.
        for _ in 0..2 {
            get(&url);
        }
        let t = Instant::now();
        let results: Vec<(u16, f64)> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..clients)
                .map(|c| {
                    let (url, get) = (&url, &get);
                    let share = n / clients + usize::from(c < n % clients);
                    s.spawn(move || (0..share).map(|_| get(url)).collect::<Vec<_>>())
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_default())
                .collect()
        });
        let seconds = t.elapsed().as_secs_f64();
        let statuses: Vec<u16> = results.iter().map(|r| r.0).collect();
        let mut times: Vec<f64> = results.iter().map(|r| r.1).collect();
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "page {path}: n={} clients={clients} p50={:.1}ms p95={:.1}ms p99={:.1}ms max={:.1}ms {:.0} req/s answers {}",
            times.len(),
            percentile(&times, 50.0),
            percentile(&times, 95.0),
            percentile(&times, 99.0),
            times.last().copied().unwrap_or(0.0),
            times.len() as f64 / seconds,
            tally(&statuses)
        );
    }
    Ok(())
}

fn login_flood(base: &str, n: usize) -> Result<(), String> {
    let n = n.max(1);
    let start = std::sync::Arc::new(std::sync::Barrier::new(n));
    let t = Instant::now();
    let logins: Vec<_> = (0..n)
        .map(|i| {
            let (url, start) = (format!("{base}/api/v1/auth/login"), start.clone());
            std::thread::spawn(move || {
                let body = serde_json::json!({
                    "email": format!("nobody{i}@flood.test"),
                    "password": "not-a-password-1234"
                });
                start.wait();
                let t = Instant::now();
                let (status, _) = answer(
                    ureq::post(&url)
                        .timeout(Duration::from_secs(120))
                        .send_json(body),
                );
                (status, t.elapsed().as_secs_f64() * 1000.0)
            })
        })
        .collect();
    let results: Vec<(u16, f64)> = logins
        .into_iter()
        .map(|h| h.join().unwrap_or((0, 0.0)))
        .collect();
    let statuses: Vec<u16> = results.iter().map(|r| r.0).collect();
    let mut times: Vec<f64> = results.iter().map(|r| r.1).collect();
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "login flood: {n} unknown emails at once -> {} in {:.2}s (p50 {:.0}ms, max {:.0}ms)",
        tally(&statuses),
        t.elapsed().as_secs_f64(),
        percentile(&times, 50.0),
        times.last().copied().unwrap_or(0.0)
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let f = flags(args.get(1..).unwrap_or(&[]));
    let get = |k: &str, d: &str| f.get(k).cloned().unwrap_or_else(|| d.to_string());
    let base = get("base", "http://127.0.0.1:8000");
    let command = args.first().map(String::as_str);
    let token = || match f.get("token") {
        Some(t) => Ok(t.clone()),
        None => login(&base, &get("email", ""), &get("password", "")),
    };
    let result = if command == Some("login-flood") {
        login_flood(&base, get("n", "100").parse().unwrap_or(100))
    } else if command == Some("raw-report") {
        raw_report(
            &get("url", ""),
            get("year", "2025").parse().unwrap_or(2025),
            get("n", "10").parse().unwrap_or(10),
        )
    } else {
        token().and_then(|token| match command {
            Some("token") => {
                println!("{token}");
                Ok(())
            }
            Some("report") => report(
                &base,
                &token,
                &get("query", "year=2025"),
                get("n", "40").parse().unwrap_or(40),
                get("gzip", "no") == "yes",
            ),
            Some("report-cold") => report_cold(
                &base,
                &token,
                &get("writer", ""),
                &get("query", "year=2025"),
                get("n", "10").parse().unwrap_or(10),
            ),
            Some("raw-copy") => raw_copy(
                &base,
                &token,
                &get("url", ""),
                get("year", "2026").parse().unwrap_or(2026),
                get("months", "10").parse().unwrap_or(10),
            ),
            Some("import") => import(
                &base,
                &token,
                get("year", "2026").parse().unwrap_or(2026),
                get("months", "10").parse().unwrap_or(10),
                get("variant", "0").parse().unwrap_or(0),
                get("dry-run", "no") == "yes",
            ),
            Some("hostile") => hostile(
                &base,
                &token,
                &get("kind", "far-cell"),
                get("parallel", "3").parse().unwrap_or(3),
            ),
            Some("pages") => pages(
                &base,
                &token,
                &get("paths", "/contractor"),
                get("n", "200").parse().unwrap_or(200),
                get("clients", "4").parse().unwrap_or(4),
            ),
            _ => Err(
                "usage: clausier-bench token|report|import|hostile|login-flood|pages --base URL \
             --email E --password P ..."
                    .into(),
            ),
        })
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clausier-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
