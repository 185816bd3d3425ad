from orchestrator.forms import FormPage
from orchestrator.targets import Target
from orchestrator.workflow import StepList, done, init, step, workflow
from pydantic_forms.types import FormGenerator, State


def initial_input_form_generator() -> FormGenerator:
    class Form(FormPage):
        group_name: str

    user_input = yield Form
    return user_input.model_dump()


@step("Record group name")
def record(group_name: str) -> State:
    return {"done": "modify_user_group", "group_name": group_name}


@workflow("Modify user group", initial_input_form=initial_input_form_generator, target=Target.MODIFY)
def modify_user_group() -> StepList:
    return init >> record >> done
