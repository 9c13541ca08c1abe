//! What more than one bench measures.

/// A 5,000-request `.http` collection (about 1.5 MB): file variables, an
/// environment's `{{user}}` and `{{token}}`, `$uuid`, `$timestamp`, a
/// query continued on two lines and a JSON body per request.
pub fn http_5000() -> String {
    let mut http = String::from("@host = https://api.example.com\n@v = v1\n");
    for i in 0..5_000 {
        http.push_str(&format!(
            "\n### Request {i}\n# @name r{i}\nPOST {{{{host}}}}/{{{{v}}}}/boards/{i}/cards\n    ?limit=20\n    &id={{{{$uuid}}}}\nAuthorization: Bearer {{{{token}}}}\nContent-Type: application/json\nX-Trace: {{{{$timestamp}}}}\n\n{{\"title\": \"Card {i}\", \"owner\": \"{{{{user}}}}\", \"tags\": [\"a\", \"b\"], \"note\": \"padding to make the file about a megabyte in all\"}}\n"
        ));
    }
    http
}
