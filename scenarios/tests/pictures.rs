//! The pictures of every library scenario: they decode, are not blank, and
//! are the same bytes on every run.

mod common;

use sim_core::{Kind, SimTime};

#[test]
fn every_library_scenario_draws_deterministic_non_blank_pictures() {
    let mut with_seq = 0;
    for (name, text) in common::library() {
        let sweep = scenarios::Sweep::parse(&text).unwrap();
        let plan = scenarios::plan_point(&sweep, 0).unwrap();
        let out = scenarios::run(&plan, plan.default_seed);
        let pics = scenarios::pictures(&plan, &out, SimTime::ZERO, SimTime::MAX);
        let again = scenarios::pictures(&plan, &out, SimTime::ZERO, SimTime::MAX);
        assert_eq!(pics, again, "{name}: pictures differ between two drawings");
        let names: Vec<&str> = pics.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"ladder.png"), "{name}: {names:?}");
        // Any connection that changed state gets the state timeline (a
        // client whose name never resolved has none).
        let tcp = out.records.iter().any(|r| r.kind == Kind::TcpState);
        if tcp {
            assert!(names.contains(&"states.png"), "{name}: {names:?}");
        }
        if names.iter().any(|n| n.starts_with("seq-")) {
            with_seq += 1;
            // A sender's window is plotted when it has one: injected data
            // (syn-data) has a sequence graph but no sending connection.
            if plan.injections.is_empty() {
                assert!(names.iter().any(|n| n.starts_with("cwnd-")), "{name}");
            }
        }
        for (file, png) in &pics {
            let img = image::load_from_memory(png)
                .unwrap_or_else(|e| panic!("{name}/{file}: {e}"))
                .to_rgb8();
            let (w, h) = img.dimensions();
            assert!(w >= 300 && h >= 200, "{name}/{file}: {w}x{h}");
            let drawn = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
            assert!(drawn > 2_000, "{name}/{file}: only {drawn} pixels drawn");
        }
    }
    assert!(with_seq >= 8, "only {with_seq} scenarios had data to plot");
}

#[test]
fn the_ladder_window_selects_messages() {
    let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("library/four-way-close.json");
    let plan = scenarios::plan_from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
    let out = scenarios::run(&plan, 1);
    let all = reports::ladder::ladder(
        "x",
        &plan.topology,
        &out.records,
        SimTime::ZERO,
        SimTime::MAX,
    )
    .unwrap()
    .unwrap();
    let close = reports::ladder::ladder(
        "x",
        &plan.topology,
        &out.records,
        SimTime(90_000_000),
        SimTime::MAX,
    )
    .unwrap()
    .unwrap();
    let h = |png: &[u8]| image::load_from_memory(png).unwrap().height();
    assert!(
        h(&close) < h(&all),
        "a window of the close alone is shorter"
    );
    let none = reports::ladder::ladder(
        "x",
        &plan.topology,
        &out.records,
        SimTime(900_000_000_000),
        SimTime::MAX,
    )
    .unwrap();
    assert!(none.is_none(), "nothing happens after 900 s");
}
