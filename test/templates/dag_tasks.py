"""Prints, as JSON, the DAGs and tasks that Airflow DAG files define, read with `ast` (Airflow is not imported).

Usage: python3 dag_tasks.py CONF_JSON FILE...

For each file: the dag_id of every DAG(...) call, the names it imports, and every call with a task_id
keyword: its operator, and its keywords evaluated from literals, f-strings, string concatenation and the
module's constants. A keyword that cannot be evaluated that way is reported under "unevaluated", because a
bash_command that cannot be read cannot be checked either.

The templated keywords (bash_command, env, conf) are also rendered as Airflow renders them, with Jinja's
sandboxed environment, once for a run without configuration and once for a run with CONF_JSON as
dag_run.conf; ti.xcom_pull(task_ids=X) renders as XCOM[X].
"""

import ast
import json
import sys

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

TEMPLATED = ("bash_command", "env", "conf")


class Unevaluable(Exception):
    pass


def evaluate(node, names):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(evaluate(value, names)) for value in node.values)
    if isinstance(node, ast.FormattedValue):
        if node.format_spec is not None or node.conversion not in (-1, ord("s")):
            raise Unevaluable(ast.unparse(node))
        return str(evaluate(node.value, names))
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise Unevaluable(node.id)
        return names[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return evaluate(node.left, names) + evaluate(node.right, names)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [evaluate(element, names) for element in node.elts]
    if isinstance(node, ast.Dict):
        return {evaluate(k, names): evaluate(v, names) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Attribute):
        # An enum member such as TriggerRule.ALL_SKIPPED, kept by its name.
        return ast.unparse(node)
    raise Unevaluable(ast.unparse(node))


def module_constants(tree):
    names = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                try:
                    names[target.id] = evaluate(statement.value, names)
                except Unevaluable:
                    pass
    return names


def call_name(call):
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ast.unparse(call.func)


class TaskInstance:
    def xcom_pull(self, task_ids=None, key="return_value"):
        return f"XCOM[{task_ids}]"


def render(value, conf):
    environment = SandboxedEnvironment(undefined=StrictUndefined)
    context = {"dag_run": {"conf": conf}, "ti": TaskInstance(), "params": {}}
    if isinstance(value, str):
        return environment.from_string(value).render(context)
    if isinstance(value, dict):
        return {key: render(item, conf) for key, item in value.items()}
    return value


def describe(path, conf):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
    names = module_constants(tree)
    imports = sorted(
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    )
    dags, tasks = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        if call_name(node) == "DAG":
            dags.append(evaluate(keywords["dag_id"], names))
        if "task_id" not in keywords:
            continue
        task = {"operator": call_name(node), "line": node.lineno, "keywords": {}, "unevaluated": []}
        for key, value in keywords.items():
            try:
                task["keywords"][key] = evaluate(value, names)
            except Unevaluable:
                task["unevaluated"].append(key)
        task["rendered"] = {
            run: {key: render(task["keywords"][key], run_conf) for key in TEMPLATED if key in task["keywords"]}
            for run, run_conf in (("default", {}), ("configured", conf))
        }
        tasks.append(task)
    return {"file": path, "dags": dags, "imports": imports, "constants": sorted(names), "tasks": tasks}


if __name__ == "__main__":
    run_conf = json.loads(sys.argv[1])
    json.dump([describe(path, run_conf) for path in sys.argv[2:]], sys.stdout, indent=2, default=str)
