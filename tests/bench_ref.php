<?php
// bench_ref.php: the benchmark's PHP comparison, not Flyton: the dashboard page and the
// todo-list call written the way a plain PHP site would, with mysqli and the same queries
// as tests/bench_ref.py (the session and its user, the touch rule, the todos). PHP-FPM
// serves it at 127.0.0.1:8097 during `sudo tests/run --bench` only (a persistent connection,
// as Flyton keeps one per thread). Config: the test instance's database, from the environment.
$db = new mysqli("p:localhost", getenv("FLYTON_DB_USER"), getenv("FLYTON_DB_PASSWORD"), getenv("FLYTON_DB_NAME"), 0,
                 getenv("FLYTON_DB_SOCKET"));
$db->set_charset("utf8mb4");
$api = ($_SERVER["PATH_INFO"] ?? "") === "/api";
$ses = $_GET["ses"] ?? "";
if ($api) {
    $body = json_decode(file_get_contents("php://input"), true);
    $ses = $body["info"]["ses"] ?? "";
}
$key = hash("sha256", $ses);
$st = $db->prepare("SELECT u.*, s.id AS ses_id, s.data AS ses_data,
                  TIMESTAMPDIFF(SECOND, s.updated_at, NOW()) AS ses_idle,
                  TIMESTAMPDIFF(SECOND, s.created_at, NOW()) AS ses_age,
                  (SELECT val1 FROM gen WHERE key1 = 'ses_idle_min' AND is_active = 1) AS ses_idle_min,
                  (SELECT val1 FROM gen WHERE key1 = 'ses_life_hours' AND is_active = 1) AS ses_life_hours
           FROM ses s JOIN users u ON u.id = s.user_id AND u.is_active = 1
           WHERE s.id = ? AND s.is_active = 1");
$st->bind_param("s", $key);
$st->execute();
$w = $st->get_result()->fetch_assoc();
if (!$w) {
    header("Location: /pages/login/", true, 302);
    exit;
}
if ($w["ses_idle"] >= 5) {
    $t = $db->prepare("UPDATE ses SET updated_at = NOW() WHERE id = ?");
    $t->bind_param("s", $key);
    $t->execute();
}
if ($api) {
    $t = $db->prepare("SELECT id, name, done, created_at FROM todo WHERE user_id = ? AND is_active = 1 ORDER BY id DESC");
    $t->bind_param("i", $w["id"]);
    $t->execute();
    $todos = [];
    foreach ($t->get_result()->fetch_all(MYSQLI_ASSOC) as $r) {
        $todos[] = ["id" => $r["id"], "name" => $r["name"], "done" => $r["done"], "created_at" => $r["created_at"]];
    }
    $c = $db->prepare("SELECT done, COUNT(*) AS n FROM todo WHERE user_id = ? AND is_active = 1 GROUP BY done");
    $c->bind_param("i", $w["id"]);
    $c->execute();
    $count = ["open" => 0, "done" => 0];
    foreach ($c->get_result()->fetch_all(MYSQLI_ASSOC) as $r) {
        $count[$r["done"] ? "done" : "open"] = $r["n"];
    }
    header("Content-Type: application/json; charset=utf-8");
    echo json_encode(["server" => ["method" => "api_todo_list", "allow" => 1, "todos" => $todos, "count" => $count,
                                   "server_ver" => "1.0.0"]], JSON_UNESCAPED_UNICODE);
    exit;
}
$name = htmlspecialchars(trim(($w["FirstName"] ?? "") . " " . ($w["LastName"] ?? "")) ?: $w["username"]);
$user = htmlspecialchars($w["username"]);
header("Content-Type: text/html; charset=utf-8");
if (($_SERVER["PATH_INFO"] ?? "") === "/full") {
    full($w, $ses, $name, $user);
    exit;
}
echo <<<HTML
<!doctype html><html><head><meta charset=utf-8><title>Flyton</title>
      <link href="/lib/bootstrap.min.css" rel=stylesheet><script src="/lib/kicdev.server.js"></script></head><body>
      <nav class="navbar navbar-expand bg-body-tertiary mb-3" id=kicheader><span class=navbar-brand>Flyton</span>
      <span id=whoami>$name</span></nav>
      <div class="container-fluid"><div class="row kicbody" id=zzz><div class=col-12>
      <h1 class=h4 id=hello>Hello $name</h1><p id=me>User: <b id=me_user>$user</b></p>
      </div></div></div><footer id=kicfooter>Flyton</footer></body></html>
HTML;


// the dashboard page of tests/bench_site.py's user, the same bytes as Flyton's (bench_site checks)
function url($ses, $p) {
    return "/cgi-bin/p?app=start&amp;r=309012&amp;ses=" . urlencode($ses) . "&amp;rpage=$p";
}

function card($ses, $title, $text, $p) {
    $u = url($ses, $p);
    return <<<HTML
<div class="card m-2" style="width: 260px">
      <div class=card-body>
        <h5 class=card-title>$title</h5>
        
        <p class=card-text>$text</p>
        <button type=button class="btn btn-primary btn-sm" onclick="kic_run_but(&quot;$u&quot;, &quot;&quot;)">Open</button>
      </div>
    </div>
HTML;
}

function full($w, $ses, $name, $user) {
    $roles = json_decode($w["Roles"] ?: "[]", true);
    $shown = htmlspecialchars(implode(", ", $roles)) ?: "none";
    $users = in_array("admin", $roles) ? '<a class="nav-link" id=menu_users href="' . url($ses, "users") . '">Users</a>' : "";
    $who = htmlspecialchars($w["FirstName"] ?: $w["username"]);
    $d = url($ses, "dashboard");
    $t = url($ses, "todo");
    $p = url($ses, "profile");
    $c1 = card($ses, "Todos", "Your list of things to do", "todo");
    $c2 = card($ses, "Profile", "Password, phone number, two-step login", "profile");
    // the URLs the site's pages name (client/assets.json), set by tests/run for this site
    $lib_bootstrap_min_css = $_SERVER["FLYTON_LIB_bootstrap_min_css"] ?? "/lib/bootstrap.min.css";
    $lib_flyton_css = $_SERVER["FLYTON_LIB_flyton_css"] ?? "/lib/flyton.css";
    $lib_bootstrap_bundle_min_js = $_SERVER["FLYTON_LIB_bootstrap_bundle_min_js"] ?? "/lib/bootstrap.bundle.min.js";
    $lib_kicdev_server_js = $_SERVER["FLYTON_LIB_kicdev_server_js"] ?? "/lib/kicdev.server.js";
    $lib_kicdev_bs5_js = $_SERVER["FLYTON_LIB_kicdev_bs5_js"] ?? "/lib/kicdev.bs5.js";
    $lib_kicbutton_js = $_SERVER["FLYTON_LIB_kicbutton_js"] ?? "/lib/kicbutton.js";
    $lib_kicedit_js = $_SERVER["FLYTON_LIB_kicedit_js"] ?? "/lib/kicedit.js";
    $lib_secure_js = $_SERVER["FLYTON_LIB_secure_js"] ?? "/lib/secure.js";
    echo <<<HTML
<!doctype html>
<html lang=en dir=ltr>
<head>
  <meta charset=utf-8>
  <meta name=viewport content="width=device-width, initial-scale=1">
  <meta name=referrer content=no-referrer>
  <title>Flyton</title>
  <link href="{$lib_bootstrap_min_css}" rel=stylesheet>
  <link href="{$lib_flyton_css}" rel=stylesheet>
  <script src="{$lib_bootstrap_bundle_min_js}"></script>
  <script src="{$lib_kicdev_server_js}"></script>
  <script src="{$lib_kicdev_bs5_js}"></script>
  <script src="{$lib_kicbutton_js}"></script>
  <script src="{$lib_kicedit_js}"></script>
  <script src="{$lib_secure_js}"></script>
</head>
<body>
<nav class="navbar navbar-expand-md bg-body-tertiary mb-3" id=kicheader>
      <div class=container-fluid>
        <span class=navbar-brand>Flyton</span>
        <button class=navbar-toggler type=button id=kicnav_toggle data-bs-toggle=collapse data-bs-target="#kicnav"
          aria-controls=kicnav aria-expanded=false aria-label="Menu"><span class=navbar-toggler-icon></span></button>
        <div class="collapse navbar-collapse" id=kicnav>
          <div class="navbar-nav me-auto">
            <a class="nav-link" id=menu_dashboard href="$d">Dashboard</a>
            <a class="nav-link" id=menu_todo href="$t">Todos</a>
            <a class="nav-link" id=menu_profile href="$p">Profile</a>
            $users
          </div>
          <span class="navbar-text me-2" id=whoami>$who</span>
          <button type=button class="btn btn-outline-secondary btn-sm" id=logout onclick=kic_logout()>Logout</button>
        </div>
      </div>
    </nav>
<div class="container-fluid"><div class="row kicbody" id=zzz><div class=col-12>
      <h1 class=h4 id=hello>Hello $name</h1>
      <p id=me>User: <b id=me_user>$user</b> &middot; Roles: <span id=me_roles>$shown</span></p>
    </div>
    <div class="col-12 d-flex flex-wrap">
      $c1
      $c2
    </div></div></div>
<footer class="container-fluid text-body-secondary small py-3" id=kicfooter>
      Flyton 1.0.0
    </footer>

</body>
</html>

HTML;
}
