from tests.fakes.hook import fake_hook as fake_hook
from tests.fakes.servicenow import fake_servicenow as fake_servicenow
from tests.fakes.zendesk import fake_zendesk as fake_zendesk
