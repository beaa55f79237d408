//! The workflow step engine: a step template (CUE) run with parameters, its
//! provider calls answered by a host that returns what the input says.
//! Input: the template, `\n---parameter---\n`, a JSON parameter, then
//! `\n---reply---\n` and the JSON every call gets back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value as Json;
use velac::cue::STACK_SIZE;
use velac::step::{Call, Host, Reply, Template, run};

struct Echo {
    reply: Json,
    calls: usize,
}

impl Host for Echo {
    fn call(&mut self, _call: &Call) -> Result<Reply, String> {
        self.calls += 1;
        if self.calls > 100 {
            return Err("too many calls".into());
        }
        Ok(Reply {
            returns: Some(self.reply.clone()),
            wait: None,
        })
    }
    fn var_get(&mut self, _path: &str) -> Option<Json> {
        Some(self.reply.clone())
    }
    fn var_put(&mut self, _path: &str, _value: Json) -> Result<(), String> {
        Ok(())
    }
    fn suspend(&mut self, _label: &str, _d: Option<&str>) -> Result<bool, String> {
        Ok(false)
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (tpl, rest) = text.split_once("\n---parameter---\n").unwrap_or((text, "{}"));
    let (param, reply) = rest.split_once("\n---reply---\n").unwrap_or((rest, "{}"));
    let Ok(param) = serde_json::from_str::<Json>(param) else {
        return;
    };
    let reply = serde_json::from_str::<Json>(reply).unwrap_or(Json::Null);
    let tpl = tpl.to_string();
    std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let Ok(t) = Template::compile("step", &tpl) else {
                return;
            };
            let ctx = serde_json::json!({"name": "app", "namespace": "default", "stepName": "s"});
            let mut host = Echo { reply, calls: 0 };
            let _ = run(&t, &ctx, &param, &[], &mut host);
        })
        .expect("spawns the step thread")
        .join()
        .expect("the step engine does not panic");
});
