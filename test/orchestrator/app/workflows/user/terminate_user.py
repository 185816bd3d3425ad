from orchestrator.forms import FormPage
from orchestrator.targets import Target
from orchestrator.workflow import StepList, done, init, step, workflow
from pydantic_forms.types import FormGenerator, State


def initial_input_form_generator() -> FormGenerator:
    class Form(FormPage):
        username: str

    user_input = yield Form
    return user_input.model_dump()


@step("Record username")
def record(username: str) -> State:
    return {"done": "terminate_user", "username": username}


@workflow("Terminate user", initial_input_form=initial_input_form_generator, target=Target.TERMINATE)
def terminate_user() -> StepList:
    return init >> record >> done
