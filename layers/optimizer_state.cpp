#include "layers/optimizer_state.h"

#include <cmath>

#include "engine/error.h"

namespace nst {

const Tensor& OptimizerState::tensor(const std::string& name, const Shape& shape) const {
  const auto found = tensors.find(name);
  NST_CHECK(found != tensors.end(), optimizer << " state: no tensor '" << name << "'");
  NST_CHECK(found->second.shape() == shape, optimizer << " state: tensor '" << name << "' is "
                                                      << to_string(found->second.shape()) << ", expected "
                                                      << to_string(shape));
  return found->second;
}

double OptimizerState::scalar(const std::string& name) const {
  const auto found = scalars.find(name);
  NST_CHECK(found != scalars.end(), optimizer << " state: no scalar '" << name << "'");
  return found->second;
}

std::int64_t OptimizerState::integer(const std::string& name, std::int64_t low, std::int64_t high) const {
  const double value = scalar(name);
  NST_CHECK(value >= static_cast<double>(low) && value <= static_cast<double>(high) && std::floor(value) == value,
            optimizer << " state: scalar '" << name << "' is " << value << ", expected an integer in [" << low << ", "
                      << high << "]");
  return static_cast<std::int64_t>(value);
}

void OptimizerState::check_same_setting(const std::string& name, double here) const {
  const double saved = scalar(name);
  std::string words = name;  // "learning_rate" → "learning rate"
  for (char& c : words)
    if (c == '_') c = ' ';
  NST_CHECK(saved == here, optimizer << " state: " << words << " " << saved << ", this run has " << here);
}

void OptimizerState::check_optimizer(const std::string& expected) const {
  NST_CHECK(optimizer == expected, "the state is of the " << optimizer << " optimizer, not " << expected);
}

}  // namespace nst
